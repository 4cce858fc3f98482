"""What a short follow-up can change about the previous question: who it is for (an age, a child or an
adult), which phone, or what happened (lost, broken). "còn 16 tuổi thì sao" after a question about
children under 14 asks the same thing for a 16-year-old, so the previous question's age goes."""

from __future__ import annotations

import re

_AGE = re.compile(
    r"\b(?:(?:dưới|duoi|trên|tren|từ|tu|đủ|du|hơn|hon)\s+)?\d{1,3}\s*(?:tuổi|tuoi|t)\b"
    r"|\b(?:trẻ em|tre em|trẻ con|tre con|trẻ|con nhỏ|con nho|em bé|em be|người lớn|nguoi lon|người già|nguoi gia"
    r"|con tôi|con toi|con tui|con của tôi|cháu|ông bà|ong ba|bố mẹ|bo me|cha mẹ|cha me|mẹ tôi|me toi)\b",
    re.IGNORECASE,
)
_DEVICE = re.compile(
    r"\b(?:iphone|ipad|android|samsung|oppo|xiaomi|vivo|nokia|máy cũ|may cu|máy mới|may moi|điện thoại cũ"
    r"|dien thoai cu|điện thoại mới|dien thoai moi|máy bấm nút|may bam nut)\b",
    re.IGNORECASE,
)
_WHAT_HAPPENED = re.compile(r"\b(?:bị mất|bi mat|mất|bị hỏng|bi hong|hỏng|bị gãy|bi gay|gãy|bị hư|hư)\b", re.IGNORECASE)
SLOTS = (_AGE, _DEVICE, _WHAT_HAPPENED)


def carry_over(previous: str, follow_up: str) -> str:
    """The previous question without the slots the follow-up names, followed by the follow-up."""
    for slot in SLOTS:
        if slot.search(follow_up):
            previous = slot.sub(" ", previous)
    return f"{' '.join(previous.split())} {follow_up}"
