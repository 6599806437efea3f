"""The JSON API for agencies' systems: its auth, FHIR resources and OpenAPI document."""
