"""In-app notifications, and e-mail copies through SMTP when a server is configured."""
