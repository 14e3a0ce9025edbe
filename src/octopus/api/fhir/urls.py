from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("", views.transaction, name="transaction"),
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient-search"),
    path("Patient/<str:person_id>", views.patient_read, name="patient-read"),
    path("Condition", views.condition_search, name="condition-search"),
    path("Encounter", views.encounter_search, name="encounter-search"),
    path("Observation", views.observation, name="observation-search"),
    path("CarePlan", views.care_plan_search, name="careplan-search"),
    path("RiskAssessment", views.risk_assessment_search, name="riskassessment-search"),
    path("Flag", views.flag_search, name="flag-search"),
]
