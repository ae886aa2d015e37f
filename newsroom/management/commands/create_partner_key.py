from django.core.management.base import BaseCommand

from newsroom.models import PartnerKey


class Command(BaseCommand):
    help = "Create a partner API key. The key is printed once; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What the key is for, e.g. ci, app")
        parser.add_argument("--partner", default="", help="The organisation it is issued to")
        parser.add_argument("--rate", type=int, default=None, help="Requests per minute")
        parser.add_argument("--print", action="store_true", help="Print only the key (for scripts)")

    def handle(self, *args, name, partner, rate, print, **options):
        partner_key, key = PartnerKey.objects.create_key(
            name=name, partner=partner or name, rate_limit=rate
        )
        if print:
            self.stdout.write(key)
        else:
            self.stdout.write(f"Key for {partner_key} (shown once, store it safely):\n{key}")
