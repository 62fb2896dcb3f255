"""Scheduled jobs: one dedicated process (`flask scheduler run`), never inside web workers."""
