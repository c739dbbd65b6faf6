import cf from 'cloudfront';

async function connectionHandler(connection) {
  const kvsHandle = cf.kvs();
  const serialNumber = connection.clientCertificate.certificates.leaf.serialNumber.replace(/:/g, "");
  const isRevoked = await kvsHandle.exists(serialNumber);
  if (isRevoked) {
    connection.logCustomData(`Revoked certificate: ${serialNumber}`);
    console.log(`Denying connection for revoked certificate: ${serialNumber}`);
    return connection.deny();
  }
  connection.logCustomData(`Valid certificate: ${serialNumber}`);
  console.log(`Allowing connection for valid certificate: ${serialNumber}`);
  return connection.allow();
}
