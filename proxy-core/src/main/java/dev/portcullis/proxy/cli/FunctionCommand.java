package dev.portcullis.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "function", mixinStandardHelpOptions = true, description = "Work with connection functions.",
        subcommands = {FunctionTestCommand.class})
final class FunctionCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
