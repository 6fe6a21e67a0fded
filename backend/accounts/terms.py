"""The version of the 用户协议 and 隐私政策 people accept at sign-up.

Change it whenever the text of `accounts/terms.html` or `accounts/privacy.html` changes in
substance: each user row keeps the version it accepted (`User.terms_version`).
"""

TERMS_VERSION = "2026-12-02"
TERMS_EFFECTIVE = "2026 年 12 月 2 日"
