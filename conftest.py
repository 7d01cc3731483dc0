"""Personas shared by every test (healthchecks' alice, bob and charlie; DESIGN §4).

A small province: HA (province) → SA, SB (departments) and D1 (district) → C1, C2 (communes),
plus D2 → C3. Every persona holds one grant; ``anonymous`` holds none.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from cchc.accounts.models import RoleGrant, User
from cchc.accounts.roles import Role
from cchc.agencies.models import Agency, Block, BlockMembership
from cchc.agencies.services import rebuild_paths

PASSWORD = "Persona-pass-2026"


@dataclass
class Province:
    province: Agency
    dept_a: Agency
    dept_b: Agency
    district: Agency
    commune_1: Agency
    commune_2: Agency
    other_district: Agency
    other_commune: Agency
    block_departments: Block
    block_communes: Block


def _agency(code: str, name: str, kind: str, parent: Agency | None = None) -> Agency:
    return Agency.objects.create(code=code, name=name, kind=kind, parent=parent, active_from=date(2000, 1, 1))


@pytest.fixture
def province(db: None) -> Province:
    ha = _agency("HA", "UBND tỉnh Hòa An", "province")
    sa = _agency("SA", "Sở Tư pháp", "department", ha)
    sb = _agency("SB", "Sở Y tế", "department", ha)
    d1 = _agency("D1", "UBND huyện Một", "district", ha)
    c1 = _agency("C1", "UBND xã Một", "commune", d1)
    c2 = _agency("C2", "UBND xã Hai", "commune", d1)
    d2 = _agency("D2", "UBND huyện Hai", "district", ha)
    c3 = _agency("C3", "UBND xã Ba", "commune", d2)
    rebuild_paths()
    for a in (ha, sa, sb, d1, c1, c2, d2, c3):
        a.refresh_from_db()
    departments = Block.objects.create(year=2025, code="SBN", name="Sở, ban, ngành", owner=ha)
    communes = Block.objects.create(year=2025, code="XA-D1", name="UBND cấp xã thuộc huyện Một", owner=d1)
    for block, members in ((departments, (sa, sb)), (communes, (c1, c2))):
        for m in members:
            BlockMembership.objects.create(block=block, agency=m)
    return Province(ha, sa, sb, d1, c1, c2, d2, c3, departments, communes)


def make_user(
    username: str, role: str | None = None, agency: Agency | None = None, descendants: bool = False, **extra: object
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username.title(), **extra)
    if role and agency:
        RoleGrant.objects.create(user=user, role=role, agency=agency, include_descendants=descendants)
    return user


@dataclass
class Personas:
    officer_a: User  # focal officer of department A
    officer_b: User  # focal officer of department B
    head: User  # head of department A
    coordinator: User  # Sở Nội vụ: coordinator of the whole province
    district_coordinator: User  # coordinator of district D1 and its communes
    appraiser: User  # appraiser of the whole province
    inspector: User
    viewer: User  # leadership viewer of the whole province
    admin: User  # system administrator

    def all(self) -> dict[str, User | None]:
        return {**vars(self), "anonymous": None}


@pytest.fixture
def personas(province: Province) -> Personas:
    p = province
    return Personas(
        officer_a=make_user("officer_a", Role.FOCAL, p.dept_a),
        officer_b=make_user("officer_b", Role.FOCAL, p.dept_b),
        head=make_user("head", Role.HEAD, p.dept_a),
        coordinator=make_user("coordinator", Role.COORDINATOR, p.province, descendants=True),
        district_coordinator=make_user("district_coordinator", Role.COORDINATOR, p.district, descendants=True),
        appraiser=make_user("appraiser", Role.APPRAISER, p.province, descendants=True),
        inspector=make_user("inspector", Role.INSPECTOR, p.province, descendants=True),
        viewer=make_user("viewer", Role.VIEWER, p.province, descendants=True),
        admin=make_user("admin", is_superuser=True, is_staff=True),
    )


def every_dossier() -> Any:
    """Every stored dossier, read as the system (newest first): the tests of the store itself, not of a
    person's scope."""
    from cchc.core.scope import SYSTEM
    from cchc.dossiers.models import Dossier

    return Dossier.objects.restrict(SYSTEM).order_by("-received_on", "dossier_code")


def find_dossier(code: str) -> Any:
    """The stored dossier of ``code`` (any source), or None."""
    return every_dossier().filter(dossier_code=code).first()


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# A real SMTP server on loopback (aiosmtpd) for the mail tests.


class Inbox:
    """aiosmtpd's handler: every message the server accepts, as (recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()
