package dev.portcullis.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "fleet", mixinStandardHelpOptions = true, description = "Work with a fleet of nodes sharing an etcd.",
        subcommands = {FleetPushCommand.class, FleetBenchCommand.class})
final class FleetCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
