package dev.portcullis.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/portcullis}: run, validate, demo, function, pki, kvs, fleet. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "An edge node with CloudFront-style viewer mTLS: client certificates checked in the TLS handshake, "
                + "CloudFront-Viewer-Cert-* headers to the origin, connection logs.",
        subcommands = {RunCommand.class, ValidateCommand.class, DemoCommand.class, EchoOriginCommand.class, FunctionCommand.class, PkiCommand.class, KvsCommand.class, FleetCommand.class,
            AotTrainCommand.class, CommandLine.HelpCommand.class})
public final class PortcullisCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code bin/portcullis} runs it: an unexpected error is one line on stderr, exit 1. */
    public static CommandLine commandLine() {
        return new CommandLine(new PortcullisCli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("portcullis " + cmd.getCommandName() + ": " + (e.getMessage() != null ? e.getMessage() : e));
            return 1;
        });
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
