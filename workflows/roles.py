"""The people who use Casework, by role (see the domain reference, "Who uses it")."""

ROLES = (
    "business_manager",
    "partner_lead",
    "panel_member",
    "agency_contributor",
    "reviewer",
    "scrutineer",
    "admin",
)
