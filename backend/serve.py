"""Serve the app: print where, and the demo logins, then run uvicorn."""

import uvicorn

from backend.config import get_settings
from backend.demo.load import DEMO_LOGINS, DEMO_PASSWORD


def main() -> None:
    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}"
    print("\n科创撮合 KeMatch 已启动：" + url)
    print("演示账号（密码均为 " + DEMO_PASSWORD + "）：")
    for login in DEMO_LOGINS:
        print(f"  {login['role']:<11} {login['email']}")
    print()
    uvicorn.run("backend.main:app", host=settings.host, port=settings.port, workers=1)


if __name__ == "__main__":
    main()
