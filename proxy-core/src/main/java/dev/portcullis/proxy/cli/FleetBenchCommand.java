package dev.portcullis.proxy.cli;

import dev.portcullis.proxy.fleetbench.FleetBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure how fast a revocation reaches a fleet: starts a throwaway etcd (or uses --etcd) and N nodes "
                + "as processes, writes revocations at a steady rate through the nodes' KeyValueStore APIs in turn, and "
                + "reports, per node, the time from each write's 200 until that node refuses the certificate in a real "
                + "full TLS handshake (p50/p90/p99/max).")
final class FleetBenchCommand implements Callable<Integer> {
    @Option(names = "--revocations", defaultValue = "1000", description = "Revocations timed (default: ${DEFAULT-VALUE}).")
    int revocations;

    @Option(names = "--rate", defaultValue = "20", description = "Revocations per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--nodes", defaultValue = "3", description = "Nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--warmup", defaultValue = "50", description = "Revocations made first and not counted (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--dir", description = "Working directory for the PKI, etcd and the nodes (default: a new temporary one).")
    Path dir;

    @Option(names = "--etcd", description = "Use this etcd (http://host:port) instead of starting one.")
    String etcd;

    @Option(names = "--etcd-binary", defaultValue = "etcd", description = "The etcd to start (default: ${DEFAULT-VALUE} on the PATH).")
    String etcdBinary;

    @Override
    public Integer call() throws Exception {
        if (revocations < 1 || rate <= 0 || nodes < 1 || warmup < 0) {
            System.err.println("portcullis fleet bench: --revocations, --rate and --nodes must be positive");
            return 2;
        }
        Path work = dir != null ? dir : Files.createTempDirectory("portcullis-fleet-bench");
        System.err.println("fleet bench: working in " + work);
        System.out.print(new FleetBench(new FleetBench.Settings(revocations, rate, nodes, warmup, work, etcd, etcdBinary)).run());
        return 0;
    }
}
