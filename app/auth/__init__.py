"""Accounts, roles granted with a unit scope, login, and the permission helper."""
