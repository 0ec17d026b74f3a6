"""What column headers say, in English, Russian, Polish, German, Spanish, French and Portuguese
(satisfaction also in Italian and Dutch): word stems per role, matched case-insensitively anywhere
in the header."""

from __future__ import annotations

import re


STEMS: dict[str, tuple[str, ...]] = {
    "recommend": (
        "recommend", "nps", "порекоменд", "рекоменд", "посовет", "polec", "rekomend", "weiterempf", "empfehl",
        "recomend", "recomie", "recommand", "indicaria", "indicaría", "indicar",
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
        "satisfacción", "satisfacci", "satisfait", "satisfeit", "satisfaç", "soddisf", "tevreden",
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
        "comment", "why", "reason", "anything else", "feedback", "suggest", "improve", "tell us", "remark", "note",
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
    "time": (
        "timestamp", "submitted", "submission", "date", "time", "created", "completed", "recorded", "finished",
        "дата", "время", "отметка времени", "data", "czas", "sygnatura", "datum", "zeit", "zeitstempel",
        "fecha", "marca temporal", "hora", "horodat", "carimbo",
    ),
    # the time a response was sent, not another date of it ("Stage Date", "Last modified time", "Date")
    "submission": ("submit", "submission", "completed", "completion", "finished", "recorded", "eingereicht",
                   "abgeschickt", "abgesendet", "envío", "envio", "enviad", "soumis", "soumission", "envoy", "wysłan",
                   "wyslan", "przesłan", "przeslan", "отправ"),
    "start": ("start", "begin", "начал", "początek", "rozpocz", "beginn", "inicio", "início", "début", "debut"),
    "id": (
        "id", "response id", "respondent id", "record id", "identifier", "number", "no.", "nr", "#", "lp.", "№",
        "номер", "numer", "nummer", "número", "numéro",
    ),
    # whose id: the response's, not an order's, ticket's or customer's ("Order number", "Ticket ID")
    "response": ("response", "respondent", "submission", "record", "antwort", "respuesta", "réponse", "reponse",
                 "resposta", "odpowied", "ответ"),
    "code": ("code", "код", "kod", "código", "codigo"),  # with `id`: a header naming its values as codes
    "postcode": ("postcode", "post code", "postal", "zip", "plz", "postleitzahl", "почтов", "pocztow", "cep"),
    # where a store is, not which (`postcode` too): stores share a city or region, an address is of one
    "address": ("address", "street", "city", "town", "region", "адрес", "улиц", "город", "регион", "adres", "ulica",
                "miasto", "miejscowo", "województw", "adresse", "straße", "strasse", "stadt", "ort",
                "dirección", "direccion", "calle", "ciudad", "provincia", "ville", "rue", "endereço", "endereco",
                "rua", "cidade", "região"),
    "email": ("email", "e-mail", "mail", "почта", "poczta", "correo", "courriel", "adres e"),
    "phone": ("phone", "mobile", "tel", "телефон", "telefon", "teléfono", "téléphone", "celular", "handy"),
    "location": (
        "store", "shop", "location", "branch", "site", "restaurant", "outlet", "salon", "hotel", "clinic",
        "office", "магазин", "филиал", "точка", "отделени", "ресторан", "sklep", "oddział", "oddzial",
        "placówk", "lokalizac", "salon", "filiale", "standort", "geschäft", "markt", "tienda", "sucursal",
        "local", "magasin", "agence", "boutique", "loja", "filial", "unidade",
    ),
    "channel": ("channel", "канал", "kanał", "kanal", "canal", "medium", "source"),
    "language": ("language", "lang", "язык", "język", "jezyk", "sprache", "idioma", "langue", "locale"),
    "country": ("country", "страна", "kraj", "land", "país", "pais", "pays"),
    "team": ("team", "department", "отдел", "команда", "zespół", "zespol", "dział", "abteilung", "equipo",
             "équipe", "equipe"),
    "agent": ("agent", "employee", "staff", "cashier", "advisor", "adviser", "consultant", "clerk", "associate", "rep",
              "representative", "assistant", "teller", "receptionist", "waiter", "waitress", "consultor", "dependient",
              "colaborador", "team member", "teammitglied",
              "served by", "сотрудник", "кассир", "консультант", "продав", "pracownik", "konsultant", "kasjer",
              "doradc", "sprzedawc", "mitarbeiter", "berater", "kassierer", "verkäufer", "agente", "empleado",
              "empleada", "cajer", "asesor", "vendedor", "employé", "conseiller", "conseillère", "vendeur", "vendeuse",
              "caissi", "atendente", "funcionári"),
    # a role title: the header names whoever has it ("Store manager", "Kierownik sklepu"), not the place or team
    "role": ("manager", "officer", "supervisor", "director", "owner", "leader", "lead", "coordinator", "head of", "leiter",
             "geschäftsführer", "inhaber", "beauftragte", "vorgesetzte", "директор", "управляющ", "руководител",
             "заведующ", "начальник", "менеджер", "kierownik", "dyrektor", "menedżer", "menadżer", "właściciel",
             "przełożon", "gerente", "jefe", "jefa", "encargad", "dueño", "propietari", "directeur", "directrice",
             "gérant", "responsable", "chef", "superviseur", "propriétaire", "diretor", "responsável", "chefe",
             "encarregad", "dono", "proprietári"),
    # a metric of another time or a goal, not this response's answer ("Previous NPS", "NPS goal", `elsewhen`)
    "earlier": ("previous", "prior", "last year", "last survey", "last wave", "last quarter", "year before",
                "предыдущ", "прошл", "poprzedni", "ubiegł", "zeszł", "vorjahr", "vorherig", "letzte umfrage",
                "letztes jahr", "anterior", "año pasado", "ano passado", "précédent", "precedent", "année dernière",
                "an dernier", "dernière enquête"),
    "target": ("target", "goal", "objective", "benchmark", "baseline", "целев", "цель", "docelow", "cel", "ziel",
               "soll", "objetivo", "meta", "alvo", "objectif", "cible"),
    "wave": ("wave", "welle", "vague", "fala", "oleada", "волна"),
    "status": ("status", "finished", "complete", "статус", "завершен", "ukończ", "abgeschlossen", "estado",
               "statut", "terminé"),
    "personal": ("first name", "last name", "full name", "name", "имя", "фамилия", "фио", "imię", "imie",
                 "nazwisko", "vorname", "nachname", "nombre", "apellido", "prénom", "nom", "nome", "sobrenome",
                 "ip address", "ipaddress", "birth", "dob", "geburts", "nacimiento", "naissance", "nascimento",
                 "nascita", "urodzenia", "рождени"),
}  # fmt: skip
_WORD_STEMS = {"id", "nr", "no.", "#", "lp.", "tel", "lang", "land", "nom", "nome", "name", "local", "site", "rate",
               "note", "shop", "data", "time", "date", "hora", "zeit", "source", "mail", "ease", "facil", "facile", "fala",
               "code", "código", "codigo", "chef", "jefe", "jefa", "dono", "associate", "city", "town", "ort", "rue",
               "rua", "stadt", "count", "prior", "meta", "alvo", "soll"}  # fmt: skip
_FALSE_FRIENDS = {"łatw": ("załatw",), "latw": ("zalatw",), "leicht": ("vielleicht",), "легко": ("легков", "нелегк"),
                  "легк": ("легков", "нелегк"), "просто": ("простор", "простокваш", "напросто", "непрост"),
                  "prosto": ("prostok", "prostow", "prostop"), "facilidade": ("facilidades",),
                  "facilité": ("facilités",), "сложн": ("несложн",), "трудн": ("нетрудн",),
                  "difícil": ("difícilmente",), "dificil": ("dificilmente",), "облегч": ("облегченн",),
                  "office": ("officer",), "dział": ("oddzia",), "dependient": ("independient",),
                  "team": ("team member", "teammitglied")}  # fmt: skip
"""Stems found inside words of another meaning: "załatwienie sprawy" is how a case was handled,
not how easy it was; "vielleicht" is "perhaps"; "легковой" a car, "просторный" roomy,
"простокваша" soured milk, "просто-напросто" "merely"; "непросто" and "нелегко" ("not easy") say
difficult, and are stems of `difficulty` of their own; "prostokąt" is a rectangle, "sprostowanie"
a correction, "prostopadły" perpendicular; "facilidades (de pagamento)" and "facilités (de
paiement)" are payment terms, not ease; "несложно" and "нетрудно" ("not hard") say easy, and
are stems of `ease` of their own; "difícilmente" (es) and "dificilmente" (pt) are "hardly"
("Dificilmente voltaria a comprar"), not how difficult; "облегчённый" is lightweight ("облегчённая
версия"), where "облегчила" ("Компания облегчила решение вопроса") made it easy; an "officer" is
a person, not an office; "oddział" a branch, not a "dział" (department); "independiente"
independent, no shop assistant ("dependiente"); a "team member" ("Teammitglied") a person, not the
team. Such a word (or two: a false friend with a space is read over the word and the next) does not
count as the stem."""
_ALSO_A_PARTICLE = {"просто": frozenset({"насколько", "как", "ли", "было", "будет", "не", "очень", "вполне",
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
_NOUN_FIRST = frozenset({"responsable", "responsável"})
"""Role titles that are also adjectives: a role as the header's first word ("Responsable du
magasin", "Responsável pela loja"), "in charge" after a place or team ("Agence responsable", "Équipe
responsable", "Loja responsável": the branch or team in charge)."""
_NOUN_LAST = frozenset({"lead"})
"""Role titles that also qualify a noun: "lead" as the last word after another is whoever leads
("Team lead", "Sales lead", "Shift lead"), first it qualifies what follows ("Lead agent" is the agent,
"Lead source" a sales lead's, "Lead time" a delay), and alone it says neither."""
_HEAD_FIRST = frozenset({"сотрудник", "кассир", "консультант", "продав", "pracownik", "konsultant", "kasjer", "doradc",
                         "sprzedawc", "agente", "consultor", "dependient", "colaborador", "empleado", "empleada", "cajer", "asesor", "vendedor", "employé", "conseiller",
                         "conseillère", "vendeur", "vendeuse", "caissi", "atendente", "funcionári",
                         "почтов", "pocztow", "cep", "адрес", "улиц", "город", "регион", "adres", "ulica", "miasto",
                         "miejscowo", "województw", "dirección", "direccion", "calle", "ciudad", "provincia", "ville",
                         "rue", "endereço", "endereco", "rua", "cidade", "região", "страна", "kraj", "país", "pais",
                         "pays"})  # fmt: skip
"""Person, postcode, address and country words of languages that put the head noun first, the place
after it in the genitive ("Pracownik sklepu", «Сотрудник магазина», "Miasto sklepu", "Kraj sklepu"), after
a linking word ("Empleado de la tienda") or without one ("Agente tienda"). Not "adresse": German puts it
last ("Filialadresse"); nor inside one word, whose last part heads it ("Filialkonsultant")."""
_COMPOUND = re.compile(r"[^\W\d_]+-?")
"""The text from one stem to the next inside one word, German's compound or hyphened: "filial", "filial-"."""
_LINKING = re.compile(r"(?<!\w)(?:of|at|in|from|der|des|von|bei|de|del|della|di|da|do|dos|das|du|van|d['’])(?!\w)")
"""Words after which a header's head noun has been said: "Employee of the store", "Mitarbeiter der Filiale"."""
_HANDLING = ("gesti", "resol", "soluc", "trámit", "tramit", "proces")
_ALSO_GIVEN = dict.fromkeys(("facilitó", "facilito", "facilitaron"), _HANDLING)
"""Stems that also mean "provided": Spanish "facilitó" is "made easy" ("La empresa me facilitó la
gestión de mi problema", "¿Le facilitó resolver su problema?") but also gave ("¿El agente le facilitó
la información?"). It counts only before, within three words of its clause, a verb (an infinitive:
"resolver", "encontrar") or the handling of the case ("la gestión", "la resolución", "el trámite")."""
_INFINITIVE = re.compile(r"\w{2,}(?:ar|er|ir)")
_AMBIGUOUS = _FALSE_FRIENDS.keys() | _ALSO_A_PARTICLE.keys() | _ALSO_GIVEN.keys()
_POLITE = re.compile(
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
_NONE_OF = frozenset({"no", "kein", "keine", "keinen", "aucun", "aucune", "ningún", "ningun", "ninguna", "никаких",
                      "никакого", "никакой", "żadnego", "zadnego", "żadnej", "zadnej", "nenhum", "nenhuma"})  # fmt: skip
_NEGATIONS = _NONE_OF | {"not", "never", "не", "ни", "nie", "nigdy", "nicht", "niemals", "nunca", "pas", "jamais",
                         "não", "nao", "non", "niet"}  # fmt: skip
_EFFORT_NOUNS = ("effort", "aufwand", "esfuerzo", "esforço", "esforco", "усили", "wysił", "wysil")
_NEEDING = ("need", "requir", "take", "took", "wymaga", "требова", "потребова", "erforder", "brauch", "requer", "exig",
            "necesit")  # fmt: skip
_ONLY = frozenset({"only", "just", "merely", "nur", "tylko", "только", "solo", "sólo", "só", "seulement"})
_NEGATING_PREFIXES = ("dis", "un", "in", "не", "nie", "on")  # "dissatisfied", "unzufrieden", "insatisfait", "недоволен", "ontevreden"
_SHORT_NOT = re.compile(r"n[’']t$")  # "wasn't", "didn’t"
_SPOKEN_WORDS = re.compile(r"\w+(?:['’]\w+)*")  # "wasn't" is one word
_ELISION = re.compile(r"['’]")
_CLAUSE_BREAK = re.compile(r"[,:;.?!()\[\]=]")
_WORDS = re.compile(r"[\w#№.@-]+")
_JOINED = re.compile(r"[^_-]+")
"""The parts of a word joined by underscores or hyphens: "nps_score", "store-id", "NPS_Score"."""
_LETTERS = re.compile(r"\w+")
_PARTS = re.compile(r"[^\W_]+")  # words, and the parts of words joined by underscores: "team_lead"
_SPACES = re.compile(r"\s+")


def mentions(header: str, role: str) -> str | None:
    """The stem of `role` the header contains (whole words for short stems), or None."""
    return next((stem for stem, _ in _found(_normal(header), role)), None)


def heads(header: str, role: str, *, over: str) -> bool:
    """Whether the header's head noun is a word of `role` where it also names `over`: "Store employee",
    "Employee of the store", "Pracownik sklepu" are employees, "Agent site", "Location of the agent"
    places. The head comes last in English and German ("Filialmitarbeiter"), and inside one word in any
    language ("Filialkonsultant"), first before a linking word or in a language that puts it first
    (`_HEAD_FIRST`: "Agente tienda"); of stems found at one place, the longest ("Filialadresse" says
    "adresse", last in German, not Polish "adres")."""
    text = _normal(header)
    mine = min(((at, -len(stem), stem) for stem, at in _found(text, role)), default=None)
    other = min((at for _, at in _found(text, over)), default=None)
    if mine is None or other is None:
        return mine is not None
    (at, _, stem), (first, last) = mine, sorted((mine[0], other))
    if first < last and _COMPOUND.fullmatch(text, first, last):  # "Filialkonsultant", "Filial-Konsultant"
        return at == last
    head_first = stem in _HEAD_FIRST or _LINKING.search(text, first, last) is not None
    return (at == first) == head_first


def first_mentioned(header: str, roles: tuple[str, ...]) -> str | None:
    """Of `roles`, the one whose stem comes first in the header — what its main clause asks
    about: "How satisfied were you with how easy it was…" asks about satisfaction — or None."""
    text = _normal(header)
    found = [(at, role) for role in roles for _, at in _found(text, role)]
    return min(found)[1] if found else None


def asks_rating(header: str) -> bool:
    """Whether the header asks a rating question — satisfaction, effort or ease, recommending, or
    to rate, agree or say how likely ("How satisfied were you with the staff?", "Rate the store")."""
    return first_mentioned(header, ("satisfaction", "effort", "recommend", "rating")) is not None


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_ASKED = re.compile(r"[?¿]")


def elsewhen(header: str) -> str | None:
    """The word of a header naming a metric ("Previous NPS", "NPS (last survey)", "NPS goal") that
    makes it another time's or a target's, not this response's answer — never of a question, whose
    words say what the answer is about ("Compared to your previous visit, how likely…?")."""
    if _asks(header):
        return None
    return mentions(header, "earlier") or mentions(header, "target")


def names_a_year(header: str) -> str | None:
    """The year a header naming a metric names ("NPS 2024"): maybe another year's, maybe this one's."""
    return None if _asks(header) or not (year := _YEAR.search(header)) else year.group()


def _asks(header: str) -> bool:
    return _ASKED.search(header) is not None or mentions(header, "rating") is not None


_UNIT = re.compile(r"[(\[]\s*(?:hours?|hrs?|minutes?|mins?|days?|count|times|stunden|minuten|tage|horas|minutos|"
                   r"d[ií]as|heures|jours|godzin\w*|minut\w*|dni|час\w*|минут\w*|дн\w*)\s*[)\]]")
"""A unit in brackets: the values are an amount of it ("Effort (hours)", "Wait (minutes)")."""


def asks_amount(header: str) -> str | None:
    """The word saying a header asks for an amount, not a rating: a count asked before any word of
    the metrics ("Number of recommendations", "How many friends did you recommend us to?" — not "How
    satisfied were you with the number of staff?") or a unit in brackets ("Effort (hours)")."""
    text = _normal(header)
    if unit := _UNIT.search(text):
        return unit.group()
    amount = min(((at, stem) for stem, at in _found(text, "amount")), default=None)
    metric = min((at for role in ("recommend", "satisfaction", "effort") for _, at in _found(text, role)), default=None)
    return amount[1] if amount and (metric is None or amount[0] < metric) else None


def says_percent(header: str) -> bool:
    return "%" in header or mentions(header, "percent") is not None


_MEASURED = frozenset({"compliance", "соответстви"})  # `points` words naming what a score measures, not a score


def names_a_score(header: str, *, of_numbers: bool = False) -> bool:
    """Whether the header asks a rating question or names a score, points or a percentage ("Store
    score", "Audit points", "Compliance %"): its values are scores, not ids, stores or agents. What
    a score measures ("Store compliance") names one only over numbers (`of_numbers`): a
    "Compliance team" holds teams."""
    said = {stem for stem, _ in _found(_normal(header), "points")}
    return asks_rating(header) or says_percent(header) or bool(said if of_numbers else said - _MEASURED)


def negation(header: str, role: str) -> str | None:
    """The word that turns round `role` wherever the header names it — a prefix of its own word
    ("dissatisfied", "unzufrieden", "недоволен", "uneasy") or a "not" up to three words before it
    ("I was not satisfied", "wasn't easy", "nicht zufrieden") — the first such word, or None when
    a mention is not turned round: "from 1 (not at all satisfied) to 5 (very satisfied)" also
    names satisfaction as it is."""
    text = _normal(header)
    words = list(_SPOKEN_WORDS.finditer(text))
    found = [_negating(text, words, at) for at in _mentioned_at(text, words, role)]
    return found[0] if found and all(found) else None


def no_effort(header: str) -> str | None:
    """The noun of effort of a statement that there was none of it — "It took no effort", "Kein
    Aufwand", "Не потребовалось никаких усилий", or that none was needed (`no_effort_needed`):
    the least effort, as "effortless" says — or None."""
    return next((noun for noun, _ in _no_effort_said(header)), None)


def no_effort_needed(header: str) -> str | None:
    """The verb of a statement that no effort was needed — a "not" before it ("I did not need much
    effort": 'need', "Nie wymagało to wysiłku": 'wymagało', "No requirió esfuerzo": 'requirió') —
    or None: a word saying none of it after the verb says there was none ("It took no effort",
    "Nie wymagało to żadnego wysiłku"), as "effortless" does."""
    return next((verb for _, verb in _no_effort_said(header) if verb), None)


def _no_effort_said(header: str):
    """Each noun of effort the header says there was none of, with the verb of needing before it
    that a "not" turns round (None when a word saying none of it follows the verb or there is none)."""
    text = _normal(header)
    words = list(_SPOKEN_WORDS.finditer(text))
    for at in _mentioned_at(text, words, "effort"):
        if _negating(text, words, at) == "":
            before = [word.group() for word in words if word.end() <= at][-3:]
            verb = next((n for n, word in enumerate(before) if word.startswith(_NEEDING)), len(before))
            none_after = not _NONE_OF.isdisjoint(before[verb + 1 :])  # "took no effort", "wymagało żadnego"
            noun = next(word.group() for word in words if word.start() <= at < word.end())
            yield _ELISION.split(noun)[-1], None if none_after or verb == len(before) else before[verb]


def _mentioned_at(text: str, words: list[re.Match[str]], role: str) -> list[int]:
    """Where each word naming `role` names it."""
    found: list[int] = []
    start = 0
    while (at := min((at for _, at in _found(text[start:], role)), default=-1)) >= 0:
        found.append(start + at)
        start = next((word.end() for word in words if word.end() > start + at), len(text))
    return found


def _negating(text: str, words: list[re.Match[str]], at: int) -> str | None:
    """The word turning round the mention at `at`: a prefix of its own word, or a "not" up to three
    words before it in the same clause ("Jeśli to nie problem: czy trudno było…" negates nothing);
    "" where the words before a noun of effort say there was none of it (`_none_of_it`)."""
    index = next((n for n, word in enumerate(words) if word.start() <= at < word.end()), None)
    if index is None:
        return None
    if _ELISION.split(text[words[index].start() : at])[-1] in _NEGATING_PREFIXES:  # "l'insatisfaction"
        return words[index].group()
    for before in range(index - 1, max(index - 3, 0) - 1, -1):
        if _CLAUSE_BREAK.search(text[words[before].end() : words[before + 1].start()]):
            return None
        word = words[before].group()
        if word == "non" and before + 1 < index and text[words[before].end() : words[before + 1].start()] == "-":
            continue  # "non-member satisfaction": a prefix of the word it is joined to
        if word in _NEGATIONS or _SHORT_NOT.search(word):
            between = [w.group() for w in words[before + 1 : index]]
            if between[:1] and between[0] in _ONLY:  # "not only satisfied but delighted"
                continue
            return "" if _none_of_it(word, words[index].group(), between) else word
    return None


def _none_of_it(negating: str, word: str, between: list[str]) -> bool:
    """Whether the words before a noun of effort say there was none of it — "no effort", "kein
    Aufwand", "no requirió esfuerzo", or a "not" before a verb of needing ("did not need much
    effort", "nie wymagało to wysiłku"): the least effort, as "effortless" says, no negation of
    ease ("not effortless" is one)."""
    word = _ELISION.split(word)[-1]  # "d'effort"
    if not word.startswith(_EFFORT_NOUNS) or mentions(word, "effortless"):
        return False
    return negating in _NONE_OF or any(w.startswith(_NEEDING) for w in between)


def _normal(header: str) -> str:
    return _POLITE.sub(" ", _SPACES.sub(" ", header.strip()).casefold().replace("ё", "е"))


def _found(text: str, role: str):
    """Each stem of `role` the text contains in its meaning, with where it first stands, in the order of `STEMS`."""
    words: dict[str, int] = {}
    for word in _WORDS.finditer(text):
        words.setdefault(word.group(), word.start())
        if "_" in word.group() or "-" in word.group():  # a short stem is also a part of it: "nps_score", "store_id"
            for part in _JOINED.finditer(word.group()):
                words.setdefault(part.group(), word.start() + part.start())
    for stem in STEMS[role]:
        if stem in _WORD_STEMS or len(stem) <= 3:
            at = text.find(stem) if " " in stem else words.get(stem, -1)
        elif stem in _NOUN_FIRST:
            at = 0 if text.startswith(stem) else -1
        elif stem in _NOUN_LAST:
            parts = _PARTS.findall(text)
            at = text.rfind(stem) if len(parts) > 1 and parts[-1] == stem else -1
        elif stem in _AMBIGUOUS:
            at = _in_its_meaning(stem, text)
        else:
            at = text.find(stem)
        if at >= 0:
            yield stem, at


def _in_its_meaning(stem: str, text: str) -> int:
    """Where a word of `text` holds `stem` in its meaning (-1: nowhere): not inside one of its
    false friends (`_FALSE_FRIENDS`), and as a word of its own beside a word that says so (`_ALSO_A_PARTICLE`)."""
    friends, marks = _FALSE_FRIENDS.get(stem, ()), _ALSO_A_PARTICLE.get(stem)
    found = list(_LETTERS.finditer(text))
    words = [match.group() for match in found]
    for at, word in enumerate(words):
        two = " ".join(words[at : at + 2])
        if stem not in word or any(friend in (two if " " in friend else word) for friend in friends):
            continue
        if stem in _ALSO_GIVEN and not _before_handling(text[found[at].end() :], _ALSO_GIVEN[stem]):
            continue
        if word != stem or marks is None or not marks.isdisjoint(words[max(at - 1, 0) : at + 2]):
            return found[at].start()
    return -1


def _before_handling(after: str, handling: tuple[str, ...]) -> bool:
    """Whether one of the first three words of the clause `after` begins is a verb or a word of `handling`."""
    words = _LETTERS.findall(_CLAUSE_BREAK.split(after, maxsplit=1)[0])[:3]
    return any(_INFINITIVE.fullmatch(word) or word.startswith(handling) for word in words)
