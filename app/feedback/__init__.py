"""Citizen feedback: the public rating pages (QR link, kiosk), complaints, the satisfaction index."""
