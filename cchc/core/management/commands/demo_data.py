"""`cchc demo_data [--scale N] [--if-empty]`: a fictional province to try and test the system."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cchc.agencies.models import Agency
from cchc.core.demo import DEMO_PASSWORD, build_demo, demo_logins, demo_story


class Command(BaseCommand):
    help = "Create the fictional demo province with its agencies, blocks and a user for every role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="multiply the communes (default 1: 120)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when agencies already exist")

    def handle(self, *args: Any, scale: int, if_empty: bool, **options: Any) -> None:
        if scale < 1:
            self.stderr.write("--scale must be at least 1")
            raise SystemExit(2)
        if if_empty and Agency.objects.exists():
            self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; không nạp lại tỉnh mẫu.")
        else:
            counts = build_demo(scale=scale)
            self.stdout.write("Đã nạp tỉnh mẫu: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        self.stdout.write("")
        for line in demo_story():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Tài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):")
        for username, description in demo_logins():
            self.stdout.write(f"  {username:<16} {description}")
