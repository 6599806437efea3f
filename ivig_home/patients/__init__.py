"""An agency's patients: matching a submission to the person it is about, the Patients page's
rows and states, and attempt limits counted in the database."""
