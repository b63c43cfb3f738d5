"""The web pages (GOV.UK Design System)."""
