package dev.portcullis.loadgen;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.nio.file.Path;

/** Files for one test class: a server CA and server certificate for localhost, a client CA and client certificate. */
record TestPki(Path serverCa, Path serverCert, Path serverKey, Path clientCa, Path clientCert, Path clientKey,
               IssuedCertificate server, IssuedCertificate clientRoot) {

    static TestPki create(Path dir) {
        IssuedCertificate serverRoot = CertificateSpec.ca("CN=Test Server Root,O=Portcullis Tests").selfSigned();
        IssuedCertificate server = CertificateSpec.server("CN=localhost", "localhost").ipAddress("127.0.0.1")
                .signedBy(serverRoot);
        IssuedCertificate clientRoot = CertificateSpec.ca("CN=Test Client Root,O=Portcullis Tests").selfSigned();
        IssuedCertificate client = CertificateSpec.client("CN=loadgen-client,O=Portcullis Tests").signedBy(clientRoot);
        TestPki pki = new TestPki(dir.resolve("server-ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("client-ca.pem"), dir.resolve("client.pem"), dir.resolve("client.key"), server, clientRoot);
        IssuedCertificate.writeString(pki.serverCa, serverRoot.certificatePem());
        server.write(pki.serverCert, pki.serverKey);
        IssuedCertificate.writeString(pki.clientCa, clientRoot.certificatePem());
        client.write(pki.clientCert, pki.clientKey);
        return pki;
    }
}
