package dev.portcullis.proxy.cli;

import io.netty.handler.ssl.OpenSsl;
import picocli.CommandLine;

/** The version line: ours, the TLS library and the JVM. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Version.class.getPackage().getImplementationVersion();
        return new String[] {
            "portcullis " + (version == null ? "0.1.0-SNAPSHOT" : version),
            "TLS: " + (OpenSsl.isAvailable() ? OpenSsl.versionString() : "BoringSSL unavailable: " + OpenSsl.unavailabilityCause()),
            "JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
        };
    }
}
