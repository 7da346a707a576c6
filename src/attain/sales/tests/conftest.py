from attain.org.tests.conftest import World, fresh, world  # noqa: F401  (the org world: teams, reps, roles)
