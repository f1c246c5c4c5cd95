from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from members.models import Member
from stories.models import Story


class StorySitemap(Sitemap):
    changefreq = "monthly"
    i18n = True
    alternates = True

    def items(self):
        return Story.objects.published().only("slug", "updated_at", "published_at").order_by("pk")

    def lastmod(self, story: Story):
        return story.updated_at


class MemberSitemap(Sitemap):
    changefreq = "monthly"
    i18n = True
    alternates = True

    def items(self):
        return list(Member.objects.public())

    def location(self, member: Member) -> str:
        return member.get_absolute_url()


class PageSitemap(Sitemap):
    changefreq = "weekly"
    i18n = True
    alternates = True

    def items(self) -> list[str]:
        return ["home", "stories:story_list", "members:member_list"]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "stories": StorySitemap, "members": MemberSitemap}
