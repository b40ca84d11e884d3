// One MongoDB user per service, allowed only its own database `aitrain_<service>`.
// Run once with the root user (compose mounts it in /docker-entrypoint-initdb.d); each
// password comes from MONGO_<SERVICE>_PASSWORD.
for (const service of ["gateway", "dataset", "billing", "trainer", "inference"]) {
  const password = process.env[`MONGO_${service.toUpperCase()}_PASSWORD`];
  if (!password) throw new Error(`MONGO_${service.toUpperCase()}_PASSWORD is not set`);
  db.getSiblingDB("admin").createUser({
    user: service,
    pwd: password,
    roles: [{ role: "readWrite", db: `aitrain_${service}` }],
  });
}
