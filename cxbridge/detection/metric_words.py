"""Words of the metrics a header asks about — recommending (its "NPS", "LTR"), satisfaction (its
"CSAT", "OSAT"), effort and ease, rating, comments, amounts, points, another time's or a target's
score — in English, Russian, Polish, German, Spanish, French and Portuguese (satisfaction also in
Italian and Dutch), and the words around them that change what they say (`keywords` matches them)."""

from __future__ import annotations

import re

METRIC_STEMS: dict[str, tuple[str, ...]] = {
    "recommend": (
        "recommend", "nps", "порекоменд", "рекоменд", "посовет", "polec", "rekomend", "weiterempf", "empfehl",
        "recomend", "recomie", "recommand", "indicaria", "indicaría", "indicar", "ltr", "net promoter",
    ),
    "employer": ("place to work", "employer", "work here", "working here", "работодател", "место работы",
                 "месту работы", "работать у нас", "работать в нашей", "miejsce pracy", "miejsce do pracy",
                 "pracodawc", "arbeitgeber", "arbeitsplatz", "empleador", "lugar para trabajar", "lugar de trabajo",
                 "empresa para trabajar", "employeur", "lieu de travail", "endroit où travailler", "empregador",
                 "lugar para trabalhar", "local de trabalho", "empresa para trabalhar"),
    "resolved": ("resolved", "resolve", "solved", "решен", "решил", "rozwiązan", "gelöst", "resuelt", "résolu",
                 "resolvid"),
    "satisfaction": (
        "satisf", "csat", "доволь", "доволен", "удовлетвор", "zadowol", "satysfakc", "zufrieden", "satisfecho",
        "satisfacción", "satisfacci", "satisfait", "satisfeit", "satisfaç", "soddisf", "tevreden", "osat",
    ),
    "effort": (
        "effort", "easy", "ease", "difficult", "hassle", "непрост", "нелегк", "легко", "просто", "усили", "сложно",
        "łatw", "latw", "prosto",
        "wysił", "wysil", "trudn", "einfach", "leicht", "aufwand", "mühe", "fácil", "facil", "facilidade", "esfuerzo",
        "facile", "facilement", "facilité", "esforço", "esforco", "трудно", "schwierig", "difficile", "difícil",
        "dificil", "несложн", "нетрудн", "облегч", "facilitou", "facilitaram", "facilitó", "facilito", "facilitaron",
    ),
    "difficulty": ("difficult", "hassle", "сложн", "трудн", "непрост", "нелегк", "trudn", "schwierig", "mühe", "difícil",
                   "dificil", "difficile"),
    "ease": ("easy", "ease", "легк", "просто", "несложн", "нетрудн", "łatw", "latw", "prosto", "einfach", "leicht",
             "fácil", "facil", "facilidade", "facile", "facilement", "facilité", "облегч", "facilitou", "facilitaram",
             "facilitó", "facilito", "facilitaron"),
    "effortless": ("effortless", "without effort", "hassle-free", "hassle free", "без усилий", "bez wysiłku",
                   "bez wysilku", "mühelos", "ohne mühe", "ohne aufwand", "sin esfuerzo", "sans effort",
                   "sem esforço", "sem esforco"),
    # asked to rate, agree or say how likely (`asks_rating`, with the roles of satisfaction, effort, recommending)
    "rating": ("rate", "rating", "likely", "agree", "evaluat", "оцен", "вероятн", "согласн", "oceń", "oceni",
               "ocena", "ocenę", "prawdopodob", "zgadza", "bewert", "wahrscheinlich", "zustimm", "stimmen sie",
               "valora", "calific", "probab", "de acuerdo", "évalu", "notez", "d'accord", "d’accord", "avali",
               "concord"),
    "comment": (
        "comment", "why", "reason", "anything else", "feedback", "suggest", "improve", "do better", "tell us", "remark", "note",
        "notes", "other thoughts", "комментар", "почему", "пожелан", "отзыв", "замечан", "komentarz", "uwagi", "dlaczego",
        "sugest", "opinia", "kommentar", "warum", "anmerk", "anregung", "hinweis", "comentario", "comentário",
        "por qué", "por que", "sugerencia", "sugestão", "commentaire", "pourquoi", "remarque", "suggestion",
        "observa", "bemerk", "vorschl", "verbesser", "amélior", "mejorar", "melhorar", "osservazion", "suggeriment",
        "perché", "migliorar", "opmerking", "toelichting", "waarom", "suggestie", "verbeter",
    ),
    # a count asked for, not a rating ("Number of recommendations", "How many times…"); not the words asking
    # "how much" too («Сколько усилий…», "Combien d'efforts…", "Ile wysiłku…" ask for effort)
    "amount": ("how many", "number of", "count", "количество", "liczba", "wie viele", "anzahl", "cuántos", "cuántas",
               "cuantos", "cuantas", "cantidad", "quantos", "quantas", "quantidade"),
    "points": ("score", "points", "pts", "pkt", "punkty", "punkte", "punktzahl", "балл", "очки", "wynik", "puntos",
               "puntuación", "puntaje", "pontos", "pontuação", "résultat", "compliance", "соответстви"),
    "percent": ("percent", "pct", "процент", "procent", "prozent", "porcentaje", "pourcentage", "porcentagem"),
    "mystery_shop": ("mystery", "shopper", "тайный покуп", "тайного покуп", "тайные покуп", "tajemnicz", "testkauf",
                     "testkäuf", "cliente misterioso", "cliente oculto", "cliente secreto", "client mystère",
                     "visite mystère", "compra misteriosa", "comprador misterioso"),
    "audit": ("audit", "inspection", "inspector", "checklist", "аудит", "ревизи", "audyt", "inspekcj", "prüfung",
              "prüfer", "auditoría", "auditoria", "inspección", "inspeção", "vistoria"),
    # a metric of another time or a goal, not this response's answer ("Previous NPS", "NPS goal", `elsewhen`)
    "earlier": ("previous", "prior", "last year", "last survey", "last wave", "last quarter", "year before",
                "предыдущ", "прошл", "poprzedni", "ubiegł", "zeszł", "vorjahr", "vorherig", "letzte umfrage",
                "letztes jahr", "anterior", "año pasado", "ano passado", "précédent", "precedent", "année dernière",
                "an dernier", "dernière enquête"),
    "target": ("target", "goal", "objective", "benchmark", "baseline", "целев", "цель", "docelow", "cel", "ziel",
               "soll", "objetivo", "meta", "alvo", "objectif", "cible"),
}  # fmt: skip
WHOLE_WORDS = {"rate", "note", "ease", "facil", "facile", "count", "prior", "meta", "alvo", "soll", "osat"}  # fmt: skip
"""Stems that count only as a word of their own ("rate", not "accurate"; "meta", not "metal"); as
short ones do ("nps", "ltr": likelihood to recommend, "Q1_LTR")."""
FALSE_FRIENDS = {"łatw": ("załatw",), "latw": ("zalatw",), "leicht": ("vielleicht",), "легко": ("легков", "нелегк"),
                 "легк": ("легков", "нелегк"), "просто": ("простор", "простокваш", "напросто", "непрост"),
                 "prosto": ("prostok", "prostow", "prostop"), "facilidade": ("facilidades",),
                 "facilité": ("facilités",), "сложн": ("несложн",), "трудн": ("нетрудн",),
                 "difícil": ("difícilmente",), "dificil": ("dificilmente",), "облегч": ("облегченн",)}  # fmt: skip
"""Stems found inside words of another meaning: "załatwienie sprawy" is how a case was handled,
not how easy it was; "vielleicht" is "perhaps"; "легковой" a car, "просторный" roomy,
"простокваша" soured milk, "просто-напросто" "merely"; "непросто" and "нелегко" ("not easy") say
difficult, and are stems of `difficulty` of their own; "prostokąt" is a rectangle, "sprostowanie"
a correction, "prostopadły" perpendicular; "facilidades (de pagamento)" and "facilités (de
paiement)" are payment terms, not ease; "несложно" and "нетрудно" ("not hard") say easy, and
are stems of `ease` of their own; "difícilmente" (es) and "dificilmente" (pt) are "hardly"
("Dificilmente voltaria a comprar"), not how difficult; "облегчённый" is lightweight ("облегчённая
версия"), where "облегчила" ("Компания облегчила решение вопроса") made it easy. Such a word does
not count as the stem."""
ALSO_A_PARTICLE = {"просто": frozenset({"насколько", "как", "ли", "было", "будет", "не", "очень", "вполне",
                                        "достаточно"}),
                   "einfach": frozenset({"wie", "war", "ist", "es", "sehr", "so", "ganz", "recht", "ziemlich", "zu",
                                         "gemacht"}),
                   "prosto": frozenset({"jak", "było", "bylo", "bardzo", "dość", "dosc", "całkiem", "calkiem",
                                        "wystarczająco", "wystarczajaco"})}  # fmt: skip
"""Stems that are, as a word of their own, also a particle: "просто" and "einfach" are "easy" but
also "just" ("Просто оцените наш сервис", "Bewerten Sie einfach unseren Kurier"), and Polish
"prosto" also "straight" ("dojechał prosto pod drzwi"). That word counts only beside one that
makes it the adverb of ease: "насколько просто", "было ли просто", "просто ли", "было просто",
"очень просто"; "wie einfach", "war es einfach", "sehr einfach", "einfach zu bedienen", "es mir
einfach gemacht"; "jak prosto", "było prosto"; the stem inside a longer word ("простоту",
"Einfachheit", "prostotę") counts as before."""
HANDLING = ("gesti", "resol", "soluc", "trámit", "tramit", "proces")
ALSO_GIVEN = dict.fromkeys(("facilitó", "facilito", "facilitaron"), HANDLING)
"""Stems that also mean "provided": Spanish "facilitó" is "made easy" ("La empresa me facilitó la
gestión de mi problema", "¿Le facilitó resolver su problema?") but also gave ("¿El agente le facilitó
la información?"). It counts only before, within three words of its clause, a verb (an infinitive:
"resolver", "encontrar") or the handling of the case ("la gestión", "la resolución", "el trámite")."""
POLITE = re.compile(
    r"\bесли(?:\s+(?:вам|вас|тебе|это|будет|для\s+вас))*\s+не\s*(?:будет\s+)?(?:сложно|трудно)"
    r"|\b(?:jeśli|jesli|jeżeli|jezeli)(?:\s+to)?\s+nie(?:\s+\w+){0,3}?\s+trudn\w*"
    r"|\bif(?:\s+it(?:'s|\s+is))?\s+not(?:\s+too\s+much)?(?:\s+of)?(?:\s+a)?\s+hassle"
    r"|\b(?:wenn|falls)\s+es(?:\s+(?:ihnen|dir|euch))?\s+(?:(?:keine|nicht\s+(?:zu\s+)?viel)\s+mühe\s+macht"
    r"|nicht\s+(?:zu\s+)?schwierig\s+ist)"
    r"|\bsi\s+(?:ce|cela|ça|ca)\s+(?:ne\s+vous\s+est|n['’]est)\s+pas(?:\s+trop)?\s+difficile"
    r"|\bsi\s+no\s+(?:le\s+|te\s+)?(?:es|resulta)(?:\s+(?:muy|demasiado))?\s+dif[ií]cil"
    r"|\bse\s+n[ãa]o\s+(?:lhe\s+|te\s+)?(?:for|é|e)(?:\s+(?:muito|tão|tao|demasiado))?\s+dif[ií]cil"
)
"""A polite "if it is not hard for you" before the question ("Если вам не сложно, оцените курьера",
"Jeśli nie sprawi to Panu trudności", "If it's not too much hassle", "Wenn es Ihnen keine Mühe
macht", "Wenn es nicht zu schwierig ist", "Si ce n'est pas trop difficile", "Si no es difícil",
"Se não for difícil"): a favour asked, not the effort the question is about, so its words do not
count."""
AMOUNT_WORDS: dict[str, tuple[str, ...]] = {
    "to a number": ("to", "до", "do", "bis", "a", "à"),
    "or more": ("or", "and", "или", "и", "lub", "albo", "i", "oder", "und", "o", "u", "y", "ou", "et", "e"),
}  # fmt: skip
"""Words after a number that make an answer an amount, not a scale's point, in each language
above: before a second number ("3 to 4", "3 do 4", "3 bis 4", "3 a 4", "3 à 4"; "a" alone is
the English article: "4 A lot"), or before one or "more" ("3 or 4", "5 or more", "5 and over";
"5 или более", "5 и более"; "5 lub więcej", "5 i więcej"; "5 oder mehr", "5 und mehr"; "5 o
más", "5 y más"; "5 ou plus", "5 et plus"; "5 ou mais", "5 e mais")."""
