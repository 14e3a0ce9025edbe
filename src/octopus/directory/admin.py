from django.contrib import admin

from .models import (
    LSOA,
    PCN,
    GPPractice,
    Location,
    Neighbourhood,
    Organisation,
    Practitioner,
    Service,
    TaxonomyTerm,
    Team,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "heart", "ods_code", "charity_number"]
    list_filter = ["heart"]
    search_fields = ["name", "ods_code", "charity_number"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "tier"]
    list_filter = ["tier", "organisation__heart"]
    search_fields = ["name", "organisation__name"]
    filter_horizontal = ["neighbourhoods"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["family_name", "given_name", "job_title", "team", "active"]
    list_filter = ["active"]
    search_fields = ["given_name", "family_name", "job_title"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "status", "is_community_asset"]
    list_filter = ["status", "is_community_asset", "taxonomy_terms"]
    search_fields = ["name", "description"]
    filter_horizontal = ["locations", "taxonomy_terms", "neighbourhoods", "contacts"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "postal_code", "district"]
    search_fields = ["name", "postal_code"]


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "vocabulary"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "borough_name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["lsoas", "practices"]


@admin.register(LSOA)
class LSOAAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ward_name", "borough_name"]
    list_filter = ["borough_name"]
    search_fields = ["code", "name", "ward_name"]


@admin.register(PCN)
class PCNAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "icb_code"]
    search_fields = ["code", "name"]


@admin.register(GPPractice)
class GPPracticeAdmin(admin.ModelAdmin):
    list_display = ["ods_code", "name", "pcn", "postcode"]
    search_fields = ["ods_code", "name", "postcode"]
    raw_id_fields = ["pcn"]
