"""The ranking policy of the province view (weights of the composite index and its bands, as
versioned data) and the permissions of the dashboards and printable sheets."""
from decimal import Decimal

from flask_babel import get_locale

from app import permissions
from app.clock import utcnow
from app.extensions import db


class RankingPolicy(db.Model):
    """How the province view combines a unit's figures into one index (0–100), in the style of
    the provincial administrative-reform ranking; the version in force on the period's first day
    applies."""

    __tablename__ = "ranking_policy"
    __table_args__ = (
        db.CheckConstraint("weight_score >= 0 AND weight_excellent >= 0 AND weight_satisfaction >= 0 "
                           "AND weight_conduct >= 0", name="weights"),
    )

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    effective_from = db.Column(db.Date, nullable=False, unique=True)
    weight_score = db.Column(db.Numeric(4, 2), nullable=False)  # mean monthly score (0–100)
    weight_excellent = db.Column(db.Numeric(4, 2), nullable=False)  # share of the top level (%)
    weight_satisfaction = db.Column(db.Numeric(4, 2), nullable=False)  # satisfaction index (%)
    weight_conduct = db.Column(db.Numeric(4, 2), nullable=False)  # 100 − penalty × violations/100 staff
    # Points taken from the conduct component per confirmed violation per 100 staff a month.
    violation_penalty = db.Column(db.Numeric(5, 2), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    bands = db.relationship("RankingBand", lazy="selectin", order_by="RankingBand.min_index.desc()")

    def band_for(self, index: Decimal | None) -> "RankingBand | None":
        """The highest band whose threshold the index reaches."""
        if index is None:
            return None
        return next((band for band in self.bands if index >= band.min_index), None)


class RankingBand(db.Model):
    """A band of the composite index (e.g. Tốt from 85)."""

    __tablename__ = "ranking_band"
    __table_args__ = (db.UniqueConstraint("policy_id", "code", name="uq_ranking_band_code"),)

    id = db.Column(db.Integer, primary_key=True)
    policy_id = db.Column(db.Integer, db.ForeignKey("ranking_policy.id"), nullable=False, index=True)
    code = db.Column(db.String(20), nullable=False)
    min_index = db.Column(db.Numeric(5, 2), nullable=False)
    label_vi = db.Column(db.String(120), nullable=False)
    label_en = db.Column(db.String(120), nullable=False)

    @property
    def label(self) -> str:
        return self.label_en if str(get_locale() or "vi") == "en" else self.label_vi


# Dashboards: unit heads over their subtree, inspectors (read-only: the pages change nothing)
# and hr_admin; the province view, its ranking policy and new versions of it: a province-wide
# hr_admin.
permissions.define({"dashboard.view": {"unit_head", "inspector", "hr_admin"}},
                   root=("province.view", "ranking.manage"))
