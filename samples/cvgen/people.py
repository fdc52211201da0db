"""Fictional French candidates: names, contact details, career, skills.

Everything is drawn from a seeded :class:`random.Random`, from fixed lists, so a
seed always gives the same people. Phone numbers for landlines use the ranges
ARCEP reserves for fiction (01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

FEMALE = [
    "Marie", "Éléonore", "Chloé", "Anaïs", "Hélène", "Noémie", "Maëlle", "Zoé", "Inès",
    "Céline", "Françoise", "Agnès", "Bérénice", "Léa", "Clémence", "Mélanie", "Léna",
    "Camille", "Sophie", "Aurélie", "Émilie", "Manon", "Justine", "Océane", "Solène",
    "Anne-Sophie", "Marie-Hélène", "Gaëlle", "Héloïse", "Joséphine",
]
MALE = [
    "François", "Jérôme", "Loïc", "Benoît", "Grégoire", "Théo", "Raphaël", "Joël", "Hervé",
    "Frédéric", "Stéphane", "Aurélien", "Mathéo", "Noël", "Cédric", "Sébastien",
    "Jean-Baptiste", "Thomas", "Nicolas", "Julien", "Maxime", "Antoine", "Hugo", "Lucas",
    "Guillaume", "Pierre-Louis", "Timothée", "Anthony", "Yannick", "Gaël",
]
LAST_NAMES = [
    "Dupont", "Lefèvre", "Dubois-Noël", "Martin", "Bernard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin",
    "Roussel", "Mathieu", "Gaillard", "Barbier", "Arnaud", "Lemaître", "Lacroix-Bénard",
    "Besnard", "Périer", "N'Diaye", "Nguyen", "Benali", "Da Silva", "Le Gall", "Kerjean",
    "Hoarau", "Ménard", "Brûlé", "Lambert", "Bonnet", "Faure", "Rousseau", "Cœurdevey",
    "Saint-Aubin", "Lévêque", "Bénézet", "Dumoulin",
]

# (city, postal code, fiction landline prefix)
CITIES = [
    ("Paris", "75011", "01 99 00"), ("Paris", "75015", "01 99 00"),
    ("Boulogne-Billancourt", "92100", "01 99 00"), ("Lyon", "69003", "04 65 71"),
    ("Villeurbanne", "69100", "04 65 71"), ("Marseille", "13008", "04 65 71"),
    ("Aix-en-Provence", "13100", "04 65 71"), ("Grenoble", "38000", "04 65 71"),
    ("Saint-Étienne", "42000", "04 65 71"), ("Montpellier", "34000", "04 65 71"),
    ("Nîmes", "30000", "04 65 71"), ("Toulouse", "31000", "05 36 49"),
    ("Bordeaux", "33000", "05 36 49"), ("Pau", "64000", "05 36 49"),
    ("Nantes", "44000", "02 61 91"), ("Rennes", "35000", "02 61 91"),
    ("Angers", "49000", "02 61 91"), ("Le Mans", "72000", "02 61 91"),
    ("Orléans", "45000", "02 61 91"), ("Caen", "14000", "02 61 91"),
    ("Lille", "59000", "03 53 01"), ("Strasbourg", "67000", "03 53 01"),
    ("Besançon", "25000", "03 53 01"), ("Dijon", "21000", "03 53 01"),
    ("Reims", "51100", "03 53 01"), ("Clermont-Ferrand", "63000", "04 65 71"),
]
STREETS = [
    "rue de la République", "avenue Jean-Jaurès", "boulevard Voltaire", "rue des Écoles",
    "impasse des Lilas", "chemin du Moulin", "rue Victor-Hugo", "place de l'Église",
    "allée des Châtaigniers", "rue du Général-de-Gaulle", "quai de la Saône",
    "rue Émile-Zola", "avenue de la Libération", "rue Pasteur", "rue des Tanneurs",
]
MAIL_DOMAINS = ["orange.fr", "free.fr", "gmail.com", "laposte.net", "outlook.fr", "sfr.fr",
                "yahoo.fr", "hotmail.fr", "wanadoo.fr"]
SOURCES = ["Indeed", "Welcome to the Jungle", "LinkedIn", "APEC", "France Travail",
           "Cooptation", "Site carrière", "Candidature spontanée", "Hellowork"]
INTERESTS = [
    "randonnée en montagne", "chorale", "course à pied (semi-marathon de Lyon)",
    "photographie argentique", "bénévolat aux Restos du Cœur", "échecs en club",
    "cuisine du monde", "escalade", "théâtre amateur", "voile", "jardinage",
    "lecture (romans policiers)", "cyclisme", "piano", "handball en club",
]
LANGUAGES = [
    ("anglais", ["courant", "professionnel (TOEIC 915)", "intermédiaire B2", "lu, écrit, parlé"]),
    ("espagnol", ["intermédiaire", "notions", "courant"]),
    ("allemand", ["scolaire", "notions", "intermédiaire B1"]),
    ("italien", ["notions", "courant"]),
    ("arabe", ["langue maternelle", "courant"]),
    ("portugais", ["bilingue", "intermédiaire"]),
]
LEVELS = ["Expert", "Avancé", "Confirmé", "Intermédiaire", "Notions"]

COMPANIES = [
    "Groupe Martel", "Soluxia", "Ateliers Verdier", "Clinique Saint-Roch",
    "Transports Gauthier & Fils", "Banque Rhodanienne", "Néotech Ingénierie", "Mutuelle Avenir",
    "Cabinet Lemaire Avocats", "Hôpital privé des Alpilles", "Boulangeries Péronne",
    "Électricité Roussel", "Agence Ciel & Terre", "Logistique du Grand Ouest", "Datavéa",
    "Pharmacie Centrale", "Société Générale d'Équipement", "Métropole Services",
    "Caisse Régionale du Crédit Mutualiste", "Studio Pixelé",
]
SCHOOLS = [
    "INSA Lyon", "Université de Bordeaux", "IUT de Nantes", "École Centrale de Lille",
    "IFSI du CHU de Rennes", "Université Paris-Saclay", "KEDGE Business School",
    "Université Grenoble Alpes", "IUT de Montpellier-Sète", "Lycée Jean-Moulin (BTS)",
    "CNAM", "Université de Strasbourg", "IAE de Toulouse", "ESTP Paris",
]


@dataclass(frozen=True)
class Trade:
    """A profession: titles (feminine, masculine), skills, duties, degrees."""

    female: str
    male: str
    skills: tuple[str, ...]
    duties: tuple[str, ...]
    degrees: tuple[str, ...]


TRADES = [
    Trade("Ingénieure logiciel", "Ingénieur logiciel",
          ("Python", "Java", "PostgreSQL", "Docker", "Kubernetes", "Git", "CI/CD", "Linux",
           "Django", "API REST", "Scrum"),
          ("Conception et développement d'une API REST de gestion des commandes (Python, Django)",
           "Migration d'une application monolithique vers des micro-services conteneurisés",
           "Mise en place de l'intégration continue et des revues de code",
           "Encadrement de deux développeurs juniors et d'une alternante",
           "Optimisation des requêtes SQL : temps de réponse divisé par trois",
           "Rédaction des spécifications techniques avec les équipes métier",
           "Astreintes de production et analyse des incidents"),
          ("Diplôme d'ingénieur en informatique", "Master informatique", "DUT informatique")),
    Trade("Comptable", "Comptable",
          ("Sage 100", "SAP FI", "Excel avancé", "Fiscalité", "Consolidation", "Paie",
           "Clôtures mensuelles", "Liasse fiscale", "TVA"),
          ("Tenue de la comptabilité générale et auxiliaire de trois sociétés du groupe",
           "Préparation des clôtures mensuelles et annuelles, liasses fiscales",
           "Déclarations de TVA et suivi de la trésorerie",
           "Rapprochements bancaires et lettrage des comptes fournisseurs",
           "Participation à l'audit des commissaires aux comptes",
           "Mise en place de la dématérialisation des factures"),
          ("DCG", "BTS Comptabilité et gestion", "Master CCA")),
    Trade("Infirmière diplômée d'État", "Infirmier diplômé d'État",
          ("Soins techniques", "Gestion de la douleur", "Hygiène hospitalière", "Éducation "
           "thérapeutique", "Logiciel DxCare", "Urgences", "Gériatrie", "Tutorat"),
          ("Prise en charge de patients en service de médecine polyvalente (28 lits)",
           "Préparation et administration des traitements, surveillance clinique",
           "Accueil et encadrement des étudiants infirmiers",
           "Participation aux transmissions et au dossier de soins informatisé",
           "Éducation thérapeutique des patients diabétiques",
           "Gestion des urgences vitales en lien avec l'équipe médicale"),
          ("Diplôme d'État d'infirmier", "DU soins palliatifs", "Baccalauréat scientifique")),
    Trade("Cheffe de projet digital", "Chef de projet digital",
          ("Gestion de projet", "Jira", "Figma", "SEO", "Google Analytics", "Agile",
           "Recette fonctionnelle", "WordPress", "Conduite du changement"),
          ("Pilotage de la refonte du site e-commerce (budget 450 k€, 8 personnes)",
           "Animation des ateliers avec les métiers et rédaction des user stories",
           "Suivi des prestataires, du planning et du budget",
           "Organisation de la recette et du déploiement en production",
           "Reporting mensuel auprès du comité de direction",
           "Amélioration du taux de conversion de 18 % en un an"),
          ("Master management de projets", "Licence information-communication",
           "Certification PMP")),
    Trade("Commerciale terrain", "Commercial terrain",
          ("Prospection", "Négociation", "Salesforce", "Gestion de portefeuille", "B2B",
           "Permis B", "Salons professionnels", "Reporting"),
          ("Développement d'un portefeuille de 120 clients PME sur trois départements",
           "Prospection téléphonique et terrain, rendez-vous qualifiés",
           "Négociation des contrats annuels et suivi des impayés",
           "Représentation de l'entreprise sur les salons régionaux",
           "Dépassement des objectifs de chiffre d'affaires de 12 % en 2025"),
          ("BTS NDRC", "Licence professionnelle commerce", "Bachelor business development")),
    Trade("Technicienne de maintenance", "Technicien de maintenance",
          ("Électrotechnique", "Automatismes Siemens", "GMAO", "Pneumatique", "Hydraulique",
           "Habilitation électrique BR", "Lecture de plans", "CACES"),
          ("Maintenance préventive et curative d'une ligne de conditionnement",
           "Diagnostic des pannes électriques et pneumatiques",
           "Saisie des interventions dans la GMAO et suivi des stocks de pièces",
           "Participation aux chantiers d'amélioration continue (5S, TPM)",
           "Réglage et mise en service de nouveaux équipements"),
          ("BTS Maintenance des systèmes", "Bac pro MELEC", "CQPM technicien de maintenance")),
    Trade("Responsable des ressources humaines", "Responsable des ressources humaines",
          ("Droit social", "Recrutement", "GPEC", "Paie", "SIRH", "Relations sociales",
           "Formation", "Entretiens annuels"),
          ("Gestion RH d'un établissement de 230 salariés",
           "Pilotage des recrutements et de l'intégration des nouveaux arrivants",
           "Préparation et animation des réunions du CSE",
           "Construction du plan de développement des compétences",
           "Conduite des négociations annuelles obligatoires"),
          ("Master GRH", "Licence de droit", "Titre RNCP responsable RH")),
    Trade("Data analyst", "Data analyst",
          ("SQL", "Python", "Power BI", "Tableau", "Statistiques", "dbt", "BigQuery",
           "Excel", "Machine learning"),
          ("Construction des tableaux de bord de suivi commercial (Power BI)",
           "Modélisation des données de ventes et fiabilisation des référentiels",
           "Analyses ad hoc pour la direction marketing",
           "Mise en place d'un modèle de prévision de la demande",
           "Formation des utilisateurs aux outils de reporting"),
          ("Master statistique et science des données", "École d'ingénieurs (option data)",
           "Licence de mathématiques")),
]


@dataclass
class Job:
    title: str
    company: str
    city: str
    start: int
    end: int | None
    duties: list[str]


@dataclass
class Degree:
    year: int
    title: str
    school: str


@dataclass
class Candidate:
    external_id: str
    civility: str
    first_name: str
    last_name: str
    email: str
    phones: list[str]
    address: str
    postal_code: str
    city: str
    country: str
    birth_date: str
    position: str
    job_ref: str
    source: str
    skills: list[tuple[str, str]]
    languages: list[str]
    experience_years: int
    availability: str
    consent_until: str
    received_at: str
    summary: str
    jobs: list[Job]
    degrees: list[Degree]
    interests: list[str]
    linkedin: str = ""
    custom: dict[str, str | list[str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return f"{slugify(self.last_name)}-{slugify(self.first_name)}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def slugify(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def mobile(rng: random.Random, international: bool = False) -> str:
    prefix = rng.choice(["6 1", "6 2", "6 4", "6 5", "6 6", "6 7", "6 8", "7 8", "7 6", "7 5"])
    pairs = " ".join(f"{rng.randrange(100):02d}" for _ in range(3))
    digits = f"{prefix}{rng.randrange(10)} {pairs}"
    return f"+33 {digits}" if international else f"0{digits}"


def landline(rng: random.Random, fiction_prefix: str) -> str:
    return f"{fiction_prefix} {rng.randrange(100):02d} {rng.randrange(100):02d}"


def _date(rng: random.Random, year_from: int, year_to: int) -> str:
    return f"{rng.randint(year_from, year_to)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def make_candidate(
    rng: random.Random, number: int, *, jobs: int = 3, female: bool | None = None
) -> Candidate:
    """A coherent fictional candidate; ``number`` makes the external_id unique."""
    coin = rng.random() < 0.5
    female = coin if female is None else female
    first = rng.choice(FEMALE if female else MALE)
    last = rng.choice(LAST_NAMES)
    trade = rng.choice(TRADES)
    city, postal_code, fiction = rng.choice(CITIES)
    mail_user = f"{slugify(first)}.{slugify(last)}".replace("-", ".")
    career_start = rng.randint(2004, 2020)
    birth_year = career_start - rng.randint(20, 24)
    history: list[Job] = []
    year = career_start
    for index in range(jobs):
        length = rng.randint(1, 5)
        end = None if index == jobs - 1 else min(year + length, 2026)
        history.append(
            Job(
                title=trade.female if female else trade.male,
                company=rng.choice(COMPANIES),
                city=rng.choice(CITIES)[0],
                start=year,
                end=end,
                duties=rng.sample(trade.duties, k=min(len(trade.duties), rng.randint(3, 5))),
            )
        )
        year = min((end or 2026), 2025)
    history.reverse()
    skills = [(s, rng.choice(LEVELS[:4])) for s in rng.sample(trade.skills, k=rng.randint(5, 8))]
    spoken = ["français langue maternelle"] + [
        f"{lang} {rng.choice(levels)}"
        for lang, levels in rng.sample(LANGUAGES, k=rng.randint(1, 2))
    ]
    degree_year = career_start - rng.randint(0, 1)
    degrees = [
        Degree(degree_year, rng.choice(trade.degrees), rng.choice(SCHOOLS)),
        Degree(degree_year - rng.randint(2, 3), "Baccalauréat général, mention bien",
               f"Lycée de {city}"),
    ]
    experience = 2026 - career_start
    title = trade.female if female else trade.male
    summary = (
        f"{title} avec {experience} ans d'expérience, dont les "
        f"{2026 - history[0].start} dernières chez {history[0].company}.\n"
        f"Points forts : {', '.join(s for s, _ in skills[:3])}.\n"
        f"Recherche un poste à {city} ou en télétravail partiel."
    )
    phones = [mobile(rng, international=rng.random() < 0.3)]
    if rng.random() < 0.4:
        phones.append(landline(rng, fiction))
    return Candidate(
        external_id=f"PRH-{number:06d}",
        civility="Mme" if female else "M",
        first_name=first,
        last_name=last,
        email=f"{mail_user}@{rng.choice(MAIL_DOMAINS)}",
        phones=phones,
        address=f"{rng.randint(1, 140)} {rng.choice(STREETS)}",
        postal_code=postal_code,
        city=city,
        country="FR",
        birth_date=_date(rng, birth_year, birth_year),
        position=title,
        job_ref=f"REF-2026-{rng.randint(100, 999)}",
        source=rng.choice(SOURCES),
        skills=skills,
        languages=spoken,
        experience_years=experience,
        availability=f"2027-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}",
        consent_until=f"2028-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        received_at=f"2026-11-{rng.randint(1, 19):02d}T{rng.randint(8, 19):02d}:"
        f"{rng.randrange(60):02d}:{rng.randrange(60):02d}+01:00",
        summary=summary,
        jobs=history,
        degrees=degrees,
        interests=rng.sample(INTERESTS, k=3),
        linkedin=f"https://www.linkedin.com/in/{slugify(first)}-{slugify(last)}-{number % 997}",
    )
