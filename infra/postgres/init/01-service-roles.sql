-- One login role and one schema per service: a service can only touch its own tables,
-- and each can later move to its own PostgreSQL server with nothing else to untangle.
-- Passwords here are for the local compose cluster only.
DO $$
DECLARE
  service text;
BEGIN
  FOREACH service IN ARRAY ARRAY['content', 'assets', 'campaigns', 'knowledge', 'analytics'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service || '_svc') THEN
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service || '_svc', service || '_svc');
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service || '_svc');
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
  END LOOP;
END $$;
