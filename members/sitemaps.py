"""The members' part of the sitemap (the registry is coalition/sitemaps.py)."""

from django.contrib.sitemaps import Sitemap

from members.models import Member


class MemberSitemap(Sitemap):
    changefreq = "monthly"
    i18n = True
    alternates = True

    def items(self):
        return list(Member.objects.public())

    def location(self, member: Member) -> str:
        return member.get_absolute_url()
