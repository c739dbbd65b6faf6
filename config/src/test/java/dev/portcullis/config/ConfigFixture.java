package dev.portcullis.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A folder holding the files the sample configuration names. The contents are placeholders: the config
 * module checks that files exist and are readable, never what is in them.
 */
final class ConfigFixture {
    static final String SAMPLE = """
            server:
              listen: 0.0.0.0:8443
              admin: 127.0.0.1:9901
              handshakeTimeout: 10s
              drainTimeout: 15s
              idleTimeout: 2m
              handshakeThreads: 4
              maxConnections: 1000
              requestHeaderTimeout: 5s
              requestBodyTimeout: 20s
              maxConnectionsPerClientIp: 200
              maxHandshakesPerClientIp: 20
              allowUnderscoresInHeaders: true
            distributions:
              - id: EDEMO1
                domainNames: [localhost, api.example.test, "*.Wild.Example.Test"]
                viewerCertificate: {certificate: pki/server.pem, privateKey: pki/server.key}
                viewerMtlsConfig:
                  mode: required
                  trustStoreConfig: {trustStoreId: ts1, advertiseTrustStoreCaNames: true, ignoreCertificateExpiry: false}
                connectionFunctionAssociation: {id: revocation-check}
                origins:
                  - {id: app, url: "h2c://127.0.0.1:9000", connectTimeout: 2s, responseTimeout: 45s}
                  - {id: legacy, url: "http://[::1]"}
                  - {id: secure, url: "https://origin.example.test:8443/", trustedCaCertificates: pki/origin-ca.pem, serverName: backend.internal}
                defaultCacheBehavior: {targetOriginId: app}
                cacheBehaviors:
                  - {pathPattern: "/api/*", targetOriginId: secure}
                  - {pathPattern: "old/*.php", targetOriginId: legacy, functionAssociations: [{eventType: viewer-request, functionName: admin-only}]}
                originRequestPolicy: {headers: [CloudFront-Viewer-Cert-Serial-Number, cloudfront-viewer-cert-sha256]}
                connectionIdHeader: X-Connection-Id
            trustStores:
              - {id: ts1, caCertificatesBundle: pki/Trust_store_bundle.pem}
            keyValueStores:
              - {name: revoked-serials, importSource: kvs/revoked.json}
            connectionFunctions:
              - name: revocation-check
                code: functions/revocation.js
                keyValueStoreAssociations: [revoked-serials]
                timeout: 20ms
                maxMemory: 4MB
            functions:
              - {name: admin-only, code: functions/admin.js}
            logging:
              connectionLogs: {destination: logs/connection.log, format: json}
              accessLogs: {destination: stdout, format: w3c}
            """;

    static final String[] FILES = {"pki/server.pem", "pki/server.key", "pki/origin-ca.pem", "functions/admin.js",
        "pki/Trust_store_bundle.pem", "kvs/revoked.json", "functions/revocation.js"};

    private ConfigFixture() {
    }

    /** Creates the files {@link #SAMPLE} names under {@code dir}. */
    static Path withFiles(Path dir) {
        try {
            for (String file : FILES) {
                Path path = dir.resolve(file);
                Files.createDirectories(path.getParent());
                Files.writeString(path, "placeholder for " + file + "\n");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code text} with {@code from} replaced; fails if {@code from} is not there, so edits cannot go stale. */
    static String edit(String text, String from, String to) {
        if (!text.contains(from)) {
            throw new IllegalArgumentException("the configuration does not contain: " + from);
        }
        return text.replace(from, to);
    }
}
