"""SQLAlchemy tables. This package imports nothing else from the project."""

from models.account import ApiToken, AuditEntry, LoginFailure, WebAccount, WebSession
from models.base import Base
from models.channel_token import ChannelToken
from models.commune import Commune
from models.dialog import DialogState
from models.faq import FaqCategory, FaqEntry, FaqParaphrase
from models.glossary import FaqVoiceAnswer, GlossaryEntry, GlossaryLookup, GlossaryTerm
from models.inbox import InboxEvent
from models.knowledge_state import FaqRevision, KnowledgeVersion
from models.member import Invite, Member
from models.message import MessageLog
from models.outbox import OutboxMessage, OutboxThread
from models.stats import IntentStatsDaily, MessageStatsDaily, ResidentDay
from models.ticket import Ticket, TicketEvent
from models.user import User
from models.village import Village

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "ChannelToken",
    "Commune",
    "DialogState",
    "FaqCategory",
    "FaqEntry",
    "FaqParaphrase",
    "FaqRevision",
    "FaqVoiceAnswer",
    "GlossaryEntry",
    "GlossaryLookup",
    "GlossaryTerm",
    "InboxEvent",
    "IntentStatsDaily",
    "Invite",
    "KnowledgeVersion",
    "LoginFailure",
    "Member",
    "MessageLog",
    "MessageStatsDaily",
    "OutboxMessage",
    "OutboxThread",
    "ResidentDay",
    "Ticket",
    "TicketEvent",
    "User",
    "Village",
    "WebAccount",
    "WebSession",
]
