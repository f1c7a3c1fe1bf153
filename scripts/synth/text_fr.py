"""French text of the petition letter (page 1, the top of page 2, the copy list)."""

CITIES = ["Québec", "Montréal", "Sherbrooke", "Trois-Rivières", "Rimouski", "Gatineau",
          "Saguenay", "Lévis", "Drummondville", "Saint-Jérôme"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]

SALUTATION = "Monsieur le Premier ministre,"

PARAGRAPHS = [
    "Nous, citoyennes et citoyens du Québec, soussignés, tenons à vous faire part de "
    "notre profonde inquiétude quant à l'avenir des services de proximité dans nos "
    "régions. Depuis plusieurs années, la fermeture de bureaux, d'écoles et de "
    "cliniques éloigne les familles des services auxquels elles ont droit.",
    "Les municipalités rurales ont vu leur population vieillir et leurs jeunes partir "
    "vers les grands centres. Sans transport collectif fiable, sans accès à Internet "
    "haute vitesse et sans médecin de famille, il devient difficile d'y vivre, d'y "
    "travailler et d'y élever des enfants.",
    "Nous demandons au gouvernement du Québec de s'engager, dans le prochain budget, "
    "à maintenir ouverts les services publics existants, à financer un réseau de "
    "transport régional et à garantir un accès équitable aux soins de santé partout "
    "sur le territoire.",
    "Cette démarche est appuyée par des organismes communautaires, des conseils "
    "municipaux et des milliers de personnes qui ont pris le temps de signer cette "
    "lettre. Elles attendent de leurs élus des gestes concrets et mesurables.",
    "Nous sollicitons également une rencontre avec la ministre responsable des "
    "Régions afin de présenter nos propositions et de convenir d'un calendrier de "
    "mise en œuvre. Nos porte-parole se tiennent à votre disposition.",
    "Le Québec s'est bâti sur la vitalité de toutes ses régions. Il serait injuste "
    "que l'éloignement géographique prive une partie de la population des services "
    "que l'ensemble des contribuables financent.",
    "Nous comptons sur votre leadership pour que cette préoccupation soit entendue "
    "et que des mesures soient prises rapidement, avant que d'autres fermetures ne "
    "viennent aggraver la situation.",
]

CLOSINGS = [
    "Veuillez agréer, Monsieur le Premier ministre, l'expression de notre haute "
    "considération.",
    "Nous vous prions d'agréer, Monsieur le Premier ministre, nos salutations "
    "distinguées.",
    "Dans l'attente d'une réponse favorable, nous vous prions de recevoir nos "
    "salutations respectueuses.",
]

PAGE2_LEADS = [
    "En signant ci-dessous, nous appuyons les demandes exprimées dans cette lettre et "
    "demandons au gouvernement d'y donner suite sans délai.",
    "Les personnes soussignées appuient la présente lettre et demandent qu'une "
    "réponse écrite soit transmise aux organismes signataires.",
    "Merci d'écrire lisiblement votre code postal : il permet de regrouper les "
    "signatures par circonscription.",
]

TABLE_HEADERS = [("Signatures", "Code postal"), ("Signature", "Code postal"),
                 ("SIGNATURES", "CODE POSTAL")]

COPY_TITLE = "Copie conforme envoyée à :"

COPY_NAMES = [
    "Madame la ministre responsable des Régions",
    "Monsieur le ministre de la Santé et des Services sociaux",
    "Madame la députée de la circonscription",
    "Monsieur le chef de l'Opposition officielle",
    "La Fédération québécoise des municipalités",
    "Madame la ministre des Transports et de la Mobilité durable",
    "Le Regroupement des organismes communautaires",
]

# Cover notes a volunteer slips into the envelope (written by hand, ASCII only:
# they are drawn with OpenCV's Hershey script faces).
NOTE_LINES = [
    "Bonjour,", "Voici les signatures recueillies", "au marche public samedi dernier.",
    "Il en manque quelques-unes,", "je vous envoie le reste bientot.", "Merci pour votre travail!",
    "Bonne continuation,", "A l'attention du comite,", "Les feuilles de notre quartier.",
    "Desole pour le retard.", "Au plaisir,",
]
