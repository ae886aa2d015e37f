"""The words the reader knows: small closed lists and patterns of how news copy attributes words
and figures, named so that each rule using them can say why it fired."""

import re

# --- The words the reader knows -----------------------------------------------------------------
# Small closed lists, not a language model: what news copy uses to attribute words and figures.
# Each rule that uses them says why it fired, on the review screen.

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_VERBS = {
    "accused", "acknowledged", "added", "adding", "adds", "admits", "admitted", "announced",
    "answered", "argued", "argues", "arguing", "asked", "asks", "branded", "called", "calling",
    "claimed", "commented", "conceded", "concluded", "confirmed", "continued", "declared",
    "declares", "declaring", "described", "describing", "explained", "explaining", "explains",
    "insisted", "insisting", "insists", "labelled", "noted", "notes", "pledged", "posted",
    "promised", "promising", "recalled", "remarked", "replied", "responded", "ruled", "rules",
    "said", "say", "saying", "says", "stated", "states", "suggested", "suggesting", "telling",
    "tells", "told", "tweeted", "urged", "urges", "vowed", "vowing", "vows", "warned",
    "warning", "warns", "writes", "writing", "wrote",
}  # fmt: skip
ATTRIBUTION_VERBS = sorted(_VERBS, key=len, reverse=True)
VERB = re.compile(r"\b(?:" + "|".join(ATTRIBUTION_VERBS) + r"|made clear|went on)\b")
_QUALIFIERS = {
    "a little over", "a little under", "about", "almost", "an estimated", "approximately",
    "around", "as many as", "at least", "at most", "close to", "fewer than", "in excess of",
    "just over", "just under", "less than", "more than", "nearly", "over", "roughly", "some",
    "under", "up to", "upwards of", "well over", "well under",
}  # fmt: skip
QUALIFIERS = sorted(_QUALIFIERS, key=len, reverse=True)
QUALIFIER_BEFORE = re.compile(
    r"\b(" + "|".join(q.strip().replace(" ", r"\s+") for q in QUALIFIERS) + r")\s*$", re.I
)
ROLE_NOUNS = {
    "activist", "adviser", "advisor", "analyst", "author", "barrister", "campaigner",
    "captain", "chair", "chairman", "chairperson", "chairwoman", "chancellor", "chief",
    "clerk", "coach", "commissioner", "constable", "correspondent", "councillor", "counsel",
    "defender", "director", "doctor", "economist", "editor", "executive", "forward", "founder",
    "goalkeeper", "governor", "gp", "head", "headteacher", "historian", "holder", "inspector",
    "judge", "justice", "lawyer", "leader", "magistrate", "manager", "mayor", "member", "mep",
    "midfielder", "midwife", "minister", "mp", "nurse", "officer", "ombudsman", "organiser",
    "owner", "paramedic", "partner", "player", "pollster", "premier", "president", "professor",
    "prosecutor", "recorder", "referee", "researcher", "resident", "scientist", "secretary",
    "senator", "solicitor", "spokesman", "spokesperson", "spokeswoman", "striker",
    "substitute", "superintendent", "surgeon", "teacher", "treasurer", "umpire", "volunteer",
    "winger",
}  # fmt: skip
ROLE = r"(?:" + "|".join(sorted(ROLE_NOUNS, key=len, reverse=True)) + r")s?"
HONORIFICS = {
    "Sir": "m", "Dame": "f", "Lord": "m", "Lady": "f", "Baroness": "f", "Baron": "m",
    "Mr": "m", "Mrs": "f", "Ms": "f", "Miss": "f", "Dr": "", "Prof": "", "Professor": "",
    "Cllr": "", "Councillor": "", "Rev": "", "Reverend": "", "Judge": "", "Justice": "",
}  # fmt: skip
# Titles written before a name, and the role each names ("US President Donald Trump").
TITLES = {
    ("Prime", "Minister"): "prime minister", ("Home", "Secretary"): "home secretary",
    ("Foreign", "Secretary"): "foreign secretary", ("Chief", "Executive"): "chief executive",
    ("Chief", "Constable"): "chief constable", ("District", "Judge"): "district judge",
    ("Detective", "Inspector"): "detective inspector", ("Mr", "Justice"): "judge",
    ("Mrs", "Justice"): "judge", ("President",): "president", ("Chancellor",): "chancellor",
    ("Minister",): "minister", ("Secretary",): "secretary", ("Mayor",): "mayor",
    ("Coach",): "coach", ("Manager",): "manager", ("Captain",): "captain",
    ("Governor",): "governor", ("Senator",): "senator", ("Judge",): "judge",
    ("Councillor",): "councillor", ("Cllr",): "councillor", ("Inspector",): "inspector",
}  # fmt: skip
ORG_WORDS = {
    "AFC", "Agency", "Airport", "Albion", "Ambulance", "Army", "Assembly", "Association",
    "Athletic", "Authority", "Bank", "Board", "Borough", "Bridge", "Cathedral", "Celtic",
    "Center", "Centre", "Championship", "Channel", "Church", "City", "Club", "College",
    "Commission", "Committee", "Commons", "Company", "Congress", "Corporation", "Council",
    "Council’s", "County", "Court", "Crown", "Cup", "Department", "District", "Division",
    "Energy", "Estate", "Estates", "Executive", "Express", "FC", "Fire", "Force", "Foundation",
    "Fund", "Gallery", "Games", "Government", "Group", "Guardian", "Hall", "Homes", "Hospital",
    "House", "Housing", "Inc", "Institute", "Kingdom", "League", "Library", "Limited", "Lords",
    "Ltd", "Mail", "Media", "Ministry", "Museum", "Nations", "Navy", "Network", "News",
    "Ocean", "Office", "Olympic", "Park", "Parliament", "Partners", "Party", "PLC", "Plc",
    "Police", "Post", "Premier", "Press", "Radio", "Rangers", "Republic", "Rescue", "Road",
    "Rovers", "School", "Sea", "Senate", "Service", "Services", "Society", "Square", "Stadium",
    "States", "Station", "Statistics", "Street", "Telegraph", "Television", "Theatre", "Times",
    "Town", "Treasury", "Tribunal", "Trust", "TV", "Union", "United", "University", "Villa",
    "Wanderers", "Water",
}  # fmt: skip
PUBLIC_BODY = re.compile(
    r"\b(?:Office|Department|Ministry|Council|Agency|Authority|Statistics|Government|Treasury|"
    r"Police|Commission|Service|Bureau|Tribunal|Court|Parliament|Executive|Assembly|NHS|ONS|"
    r"HMRC|DWP|OBR|Eurostat|OECD)\b"
)
CAPITAL_STOPWORDS = {
    "A", "About", "After", "All", "Almost", "Also", "Although", "Amid", "Among", "An", "And",
    "Another", "Around", "As", "Asked", "At", "Because", "Before", "Between", "Both", "But",
    "By", "Despite", "During", "Each", "Earlier", "Eight", "Either", "Even", "Every", "Fewer",
    "Five", "Following", "For", "Four", "From", "He", "Her", "Here", "His", "How", "However",
    "I", "If", "Image", "In", "Instead", "It", "Its", "It’s", "Just", "Last", "Later", "Led",
    "Less", "Like", "Many", "Meanwhile", "More", "Most", "Nearly", "Neither", "Next", "Nine",
    "No", "Nor", "Not", "Now", "Of", "On", "Once", "One", "Only", "Or", "Other", "Our", "Over",
    "Photo", "Pic", "Picture", "Seven", "She", "Shortly", "Since", "Six", "So", "Some",
    "Speaking", "Still", "Such", "Ten", "That", "The", "Their", "Then", "There", "These",
    "They", "This", "Those", "Though", "Three", "To", "Today", "Tomorrow", "Two", "Under",
    "Unlike", "Until", "We", "What", "When", "Where", "Whether", "Which", "While", "Who",
    "Why", "With", "Without", "Writing", "Yes", "Yesterday", "Yet", "You",
}  # fmt: skip
# Words after which quoted words are a name or a term, not speech: a “coalition of the willing”.
TERM_BEFORE = {
    "a", "an", "called", "dubbed", "her", "his", "its", "my", "named", "our", "so-called",
    "that", "the", "their", "these", "this", "those", "titled", "your",
}  # fmt: skip
NP_STOP = {
    "a", "about", "across", "after", "against", "ago", "alone", "already", "also", "although",
    "an", "and", "are", "as", "at", "be", "because", "been", "before", "being", "between",
    "but", "by", "came", "can", "come", "compared", "could", "down", "during", "each", "every",
    "fewer", "for", "from", "gave", "get", "given", "go", "got", "had", "has", "have", "her",
    "here", "higher", "his", "if", "in", "including", "into", "is", "its", "just", "last",
    "left", "less", "like", "lost", "lower", "made", "make", "makes", "may", "might", "more",
    "must", "my", "next", "no", "not", "now", "of", "off", "on", "only", "onto", "or", "our",
    "out", "over", "per", "said", "saw", "say", "says", "seen", "should", "since", "so",
    "still", "such", "take", "than", "that", "the", "their", "then", "there", "these", "this",
    "those", "through", "to", "told", "took", "under", "until", "up", "was", "went", "were",
    "when", "which", "while", "who", "will", "with", "within", "without", "won", "would",
    "yet", "your",
}  # fmt: skip
NP_FILLERS = {"more", "extra", "additional", "new", "further", "fewer", "other", "separate"}
TIME_NOUNS = {
    "centuries", "century", "day", "days", "decade", "decades", "hour", "hours", "minute",
    "minutes", "month", "months", "second", "seconds", "week", "weeks", "year", "years",
}  # fmt: skip
COUNTING_WORDS = {"times", "occasions"}
ING_NOUNS = {
    "bookings", "building", "earnings", "evening", "findings", "funding", "hearing", "housing",
    "listings", "meeting", "morning", "parking", "savings", "seating", "sitting", "spending",
    "training", "warnings",
}  # fmt: skip
KEY_SKIP = {
    "a", "acting", "an", "as", "became", "become", "been", "former", "her", "his", "incoming",
    "interim", "is", "its", "new", "our", "outgoing", "the", "their", "then", "was",
}  # fmt: skip
PLATFORMS = "X|Twitter|Facebook|Instagram|TikTok|LinkedIn|Threads|Bluesky|YouTube|Telegram"
COMMON_ORGS = (
    "council|club|court|government|department|ministry|police|league|authority|agency|"
    "committee|trust|board|company|firm|charity|school|university|hospital|federation|"
    "association|tribunal"
)
SOURCE_NOUNS = (
    "data|figures|statistics|numbers|estimates|analysis|research|report|survey|poll|census"
)
# A name followed by one of these is an organisation's: “the Save Coldharbour group”.
ORG_NOUNS = (
    "group|campaign|party|council|club|charity|trust|association|society|union|committee|"
    "company|firm|network|alliance|coalition|movement|foundation|team"
)
# What someone does, in “X, who chairs the Save Coldharbour group,”: the role it names.
WHO_VERBS = {
    "chairs": "Chair", "leads": "Leader", "heads": "Head", "manages": "Manager",
    "captains": "Captain", "coaches": "Coach", "founded": "Founder", "owns": "Owner",
    "runs": "Head",
}  # fmt: skip

NAME_TOKEN = r"(?:Mc[A-Z][a-z]+|O[’'][A-Z][a-z]+|[A-Z][a-z]+(?:-[A-Z][a-z]+)*|[A-Z]{2,}s?)"
NAME_SEQ = re.compile(
    NAME_TOKEN + r"(?:\s+(?:(?:de|van|von|der|da|di|le|la|bin|al)\s+)?" + NAME_TOKEN + r")*"
)
ORG_NAME = (
    r"(?:[A-Z][\w&’'-]*|[A-Z]{2,})(?:\s+(?:(?:for|of|and|&|on)\s+)?(?:[A-Z][\w&’'-]*|[A-Z]{2,}))*"
    r"(?:\s+(?:" + ORG_NOUNS + r")\b)?"
)
PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")
POSSESSIVE = re.compile(r"\b(?:his|her|His|Her)\b")
ROLE_RIGHT_BEFORE = re.compile(r"((?:[A-Z][\w’'-]*\s+){0,3})(" + ROLE + r")\s+$")
ROLE_MENTION = re.compile(
    r"(?<!\bas )\b(?:the|The)\s+((?:[a-z][\w’'-]*\s+){0,3}?" + ROLE + r")\b(?!\s*[A-Z])"
)
COMMON_ORG_MENTION = re.compile(r"\b(?:the|The)\s+(" + COMMON_ORGS + r")\b(?!’s|'s)")
ROLE_BEFORE_NAME = re.compile(
    r"(?:\b(?:the|a|an)\s+)?\b((?:[a-z][\w’'-]*\s+){0,2}" + ROLE + r")\s*,\s*$"
)
APPOSITION = re.compile(
    r"\s*,\s+((?:the|a|an|of|who)\b[^,:;.“”\"]{1,100}?)\s*(?:,|(?=\s+(?:"
    + "|".join(ATTRIBUTION_VERBS)
    + r")\b)|(?=:))"
)
AS_ROLE = re.compile(
    r"\bas\s+(?:the\s+|a\s+|an\s+)?((?:(?:[A-Z][\w’'-]*|[a-z][\w’'-]*)\s+){0,2}" + ROLE + r")\b"
)
OF_THE_ROLE = re.compile(r"of\s+(?:the\s+)?([a-z]+?)s?\s+(" + ORG_NAME + r")$")
OF_ORG = re.compile(r"of\s+(?:the\s+)?(" + ORG_NAME + r")$")
SELF_NAMED = re.compile(
    r"\bHere,?\s+(" + ORG_NAME + r")\s+(?:explains|looks at|answers|sets out|runs through|"
    r"breaks down|takes a look)"
)
YEAR_SAID = re.compile(r"\bin\s+((?:19|20)\d\d)\b")
DAY_SAID = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)\b")
MONTH_SAID = re.compile(r"\b(?:in\s+)?(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)\b")
VAGUE_WHEN = re.compile(
    r"\b(?:on\s+(?:" + "|".join(DAYS) + r")|this\s+(?:morning|afternoon|evening|week)|"
    r"last\s+(?:week|month|year|night)|yesterday|today|in\s+(?:" + "|".join(MONTHS) + r"))\b"
)

IMAGE_LINE = re.compile(r"(?:Image|Picture|Photo|Photograph)\s*:\s*(?P<rest>.*)", re.I)
CREDIT = re.compile(
    r"(?P<caption>.*?)\s*\b(?:Pic|Picture|Photo|Credit)\s*:\s*(?P<credit>[^:]{1,120})"
)
DURATION_LINE = re.compile(r"(?:(\d{1,2}):)?([0-5]?\d):([0-5]\d)")
ORDERED_ITEM = re.compile(r"(\d{1,2})[.)]\s+(\S.*)")
BULLET_ITEM = re.compile(r"[-•*–·▪]\s+(\S.*)")
MARKED_HEADING = re.compile(r"#{1,6}\s+(\S.*?)\s*#*")
FIGURE = re.compile(
    r"(?<![\w.,£$€:/\-–])(?P<prefix>[£$€])?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<scale>\s?(?:bn|billion|tn|trillion|m|million|k|thousand)\b)?"
    r"(?P<percent>%|\s?per\s?cent\b|\s?percent\b)?(?![\w:\-–%]|[.,]\d)"
)
OPENING = '“"‘'
CLOSING_MARKS = '”"’'
TERMINAL = ".!?"


def word_list(text: str) -> list[str]:
    return text.split()


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def strip_closing(text: str) -> str:
    return text.rstrip(CLOSING_MARKS + ")").rstrip()
