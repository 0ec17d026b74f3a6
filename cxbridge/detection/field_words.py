"""Words of a record's fields a header names — its time, id, contact, place, organisation, channel,
language, country, team, wave, status — and of the people in it, agents, role titles and personal data, in
English, Russian, Polish, German, Spanish, French and Portuguese, with the words that say which of
a person and a place heads a header (`keywords` matches them)."""

from __future__ import annotations

import re

FIELD_STEMS: dict[str, tuple[str, ...]] = {
    "time": (
        "timestamp", "submitted", "submission", "date", "time", "created", "completed", "recorded", "finished",
        "дата", "время", "отметка времени", "data", "czas", "sygnatura", "datum", "zeit", "zeitstempel",
        "zeitpunkt",
        "fecha", "marca temporal", "hora", "horodat", "carimbo", "heure", "godzina",
    ),
    # the time a response was sent, not another date of it ("Stage Date", "Last modified time", "Date");
    # Microsoft Forms' end time in its languages too ("Heure de fin", "Godzina ukończenia")
    "submission": ("submit", "submission", "completed", "completion", "finished", "recorded", "eingereicht",
                   "abgeschickt", "abgesendet", "envío", "envio", "enviad", "soumis", "soumission", "envoy", "wysłan",
                   "wyslan", "przesłan", "przeslan", "отправ", "fin", "ukończ", "ukoncz", "finaliz", "conclus",
                   "fertigstell", "abschluss", "übermittl", "ubermittl", "endzeit", "завершени"),
    "start": ("start", "begin", "начал", "początek", "rozpocz", "beginn", "inicio", "início", "début", "debut"),
    "id": (
        "id", "response id", "respondent id", "record id", "identifier", "number", "no.", "nr", "#", "lp.", "№",
        "номер", "numer", "nummer", "número", "numéro",
    ),
    # whose id: the response's, not an order's, ticket's or customer's ("Order number", "Ticket ID")
    "response": ("response", "respondent", "submission", "record", "antwort", "respuesta", "réponse", "reponse",
                 "risposta", "resposta", "odpowied", "ответ"),
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
    # whom a respondent works for or belongs to: a short text naming one says who, not why
    "organisation": ("company", "organisation", "organization", "organizac", "employer", "business name",
                     "department", "компани", "организаци", "работодател", "отдел", "firma", "firmy", "pracodawc",
                     "dział", "unternehmen", "arbeitgeber", "abteilung", "empresa", "compañía", "compania",
                     "empleador", "departamento", "entreprise", "société", "employeur", "département", "companhia",
                     "organização", "empregador"),
    "channel": ("channel", "канал", "kanał", "kanal", "canal", "medium", "source"),
    # the respondent's browser a web survey records ("User Agent" of Alchemer, SurveyGizmo): no agent, no comment
    "browser": ("user agent", "useragent", "user-agent", "browser", "agente usuario", "agente de usuario",
                "agent utilisateur"),
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
    "wave": ("wave", "welle", "vague", "fala", "oleada", "волна"),
    "status": ("status", "response type", "finished", "complete", "статус", "завершен", "ukończ", "abgeschlossen", "estado",
               "statut", "terminé"),
    "personal": ("first name", "last name", "full name", "name", "имя", "фамилия", "фио", "imię", "imie",
                 "nazwisko", "nazwa", "vorname", "nachname", "nombre", "apellido", "prénom", "nom", "nome", "sobrenome",
                 "ip address", "ipaddress", "latitude", "longitude", "network id", "user agent", "useragent",
                 "agente usuario", "agente de usuario", "agent utilisateur", "referer", "referrer",
                 "url de la encuesta", "birth", "dob", "geburts", "nacimiento", "naissance", "nascimento",
                 "nascita", "urodzenia", "рождени"),
}  # fmt: skip
WHOLE_WORDS = {"id", "nr", "no.", "#", "lp.", "tel", "lang", "land", "nom", "nome", "name", "local", "site", "shop",
               "data", "time", "date", "hora", "source", "mail", "fala", "code", "código", "codigo", "chef",
               "jefe", "jefa", "dono", "associate", "city", "town", "ort", "rue", "rua", "stadt", "heure", "fin",
               "nazwa"}  # fmt: skip
"""Stems that count only as a word of their own ("id", not "idea"; "ort", not "report")."""
WORD_ENDS = {"zeit"}
"""Stems that count as a word of their own or the last part of a German compound ("Startzeit",
"Fertigstellungszeit", "Übermittlungszeit"), never inside a word ("Zeitraum", "gleichzeitig")."""
FALSE_FRIENDS = {"zeit": ("arbeitszeit", "wartezeit", "bearbeitungszeit", "lieferzeit", "reaktionszeit", "antwortzeit",
                          "laufzeit", "fahrzeit", "öffnungszeit", "mahlzeit", "hochzeit", "freizeit", "jahreszeit"),
                 "office": ("officer",), "dział": ("oddzia",), "dependient": ("independient",),
                 "team": ("team member", "teammitglied"), "firma": ("confirma",)}  # fmt: skip
"""Stems found inside words of another meaning: German compounds of "zeit" naming how long
something takes ("Arbeitszeit", "Wartezeit", "Lieferzeit") or no time at all ("Mahlzeit", "Hochzeit");
an "officer" is a person, not an office; "oddział"
a branch, not a "dział" (department); "independiente" independent, no shop assistant
("dependiente"); a "team member" ("Teammitglied") a person, not the team. Such a word (or two: a
false friend with a space is read over the word and the next) does not count as the stem; Spanish
"confirma" is no company ("firma")."""
NOUN_FIRST = frozenset({"responsable", "responsável"})
"""Role titles that are also adjectives: a role as the header's first word ("Responsable du
magasin", "Responsável pela loja"), "in charge" after a place or team ("Agence responsable", "Équipe
responsable", "Loja responsável": the branch or team in charge)."""
NOUN_LAST = frozenset({"lead"})
"""Role titles that also qualify a noun: "lead" as the last word after another is whoever leads
("Team lead", "Sales lead", "Shift lead"), first it qualifies what follows ("Lead agent" is the agent,
"Lead source" a sales lead's, "Lead time" a delay), and alone it says neither."""
HEAD_FIRST = frozenset({"сотрудник", "кассир", "консультант", "продав", "pracownik", "konsultant", "kasjer", "doradc",
                        "sprzedawc", "agente", "consultor", "dependient", "colaborador", "empleado", "empleada", "cajer",
                        "asesor", "vendedor", "employé", "conseiller", "conseillère", "vendeur", "vendeuse", "caissi",
                        "atendente", "funcionári",
                        "почтов", "pocztow", "cep", "адрес", "улиц", "город", "регион", "adres", "ulica", "miasto",
                        "miejscowo", "województw", "dirección", "direccion", "calle", "ciudad", "provincia", "ville",
                        "rue", "endereço", "endereco", "rua", "cidade", "região", "страна", "kraj", "país", "pais",
                        "pays"})  # fmt: skip
"""Person, postcode, address and country words of languages that put the head noun first, the place
after it in the genitive ("Pracownik sklepu", «Сотрудник магазина», "Miasto sklepu", "Kraj sklepu"), after
a linking word ("Empleado de la tienda") or without one ("Agente tienda"). Not "adresse": German puts it
last ("Filialadresse"); nor inside one word, whose last part heads it ("Filialkonsultant")."""
HEAD_FIRST_PLACES = frozenset({"magasin", "agence", "tienda", "sucursal", "loja", "unidade"})
"""Place words of French, Spanish and Portuguese only, languages that put the head noun first: beside
one, a person word English shares heads the header first too ("Consultant magasin", "Agent agence"
are people, as "Consultant de magasin" is). Not "boutique", "salon", "local": English words too."""
LINKING = re.compile(r"(?<!\w)(?:of|at|in|from|der|des|von|bei|de|del|della|di|da|do|dos|das|du|van|d['’])(?!\w)")
"""Words after which a header's head noun has been said: "Employee of the store", "Mitarbeiter der Filiale"."""
