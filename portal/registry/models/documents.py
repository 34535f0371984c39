"""Establishment documents (文号, title, date) that set up or change a unit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class EstablishmentDocument(db.Model):
    __tablename__ = "establishment_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    doc_number: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)

    unit = relationship("Unit", back_populates="documents")

    @property
    def display(self) -> str:
        return f"{self.doc_number}《{self.title}》"
