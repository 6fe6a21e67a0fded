"""Domain errors, each with its HTTP status (rendered by `errors.handlers`)."""

from typing import Any


class DomainError(Exception):
    """Base of the errors services raise; `message` is shown to the user, in Chinese."""

    status_code = 400
    title = "请求有误"

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(DomainError):
    status_code = 404
    title = "未找到"


class NotPermitted(DomainError):
    status_code = 403
    title = "无权操作"


class NotAuthenticated(DomainError):
    status_code = 401
    title = "请先登录"


class Conflict(DomainError):
    status_code = 409
    title = "操作冲突"


class InvalidInput(DomainError):
    """Bad input; `detail` is a list of {"field", "message"}."""

    status_code = 422
    title = "输入有误"


class RateLimited(DomainError):
    status_code = 429
    title = "操作过于频繁"
