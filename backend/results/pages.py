"""HTML pages of results."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
