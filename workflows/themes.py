"""The controlled list of review themes used in publications and the year's figures."""

THEMES = (
    "infant safety",
    "safe sleeping",
    "neglect",
    "domestic abuse",
    "parental mental health",
    "substance misuse",
    "step-down decision making",
    "use of interpreters",
    "information sharing",
    "professional curiosity",
    "extra-familial harm and exploitation",
    "education attendance",
    "race and ethnicity",
    "adolescent suicide",
    "COVID-19",
)
