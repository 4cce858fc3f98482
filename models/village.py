"""Villages (thôn, bản) of a commune, kept by its admins; residents still type theirs freely."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Village(Base):
    """One village of one commune; its name is unique within the commune."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("commune", "name", name="uq_villages_commune_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune: Mapped[str] = mapped_column(ForeignKey("communes.slug", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
