package io.meshwork.meshctl;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level command: only subcommands do something. */
@Command(name = "meshctl", mixinStandardHelpOptions = true, version = "meshctl 0.1.0-SNAPSHOT",
    description = "Meshwork's operators' tool: validate, publish and inspect the mesh document.",
    subcommands = {ValidateCommand.class, GetCommand.class, PublishCommand.class, EndpointsCommand.class},
    exitCodeOnInvalidInput = Meshctl.EXIT_INVALID, exitCodeOnExecutionException = Meshctl.EXIT_INVALID,
    exitCodeListHeading = ExitCodes.HEADING,
    exitCodeList = {ExitCodes.OK, ExitCodes.INVALID, ExitCodes.CONFLICT, ExitCodes.ZOOKEEPER},
    footer = {"", "ZooKeeper commands read --zookeeper from MESHCTL_ZOOKEEPER and --auth from MESHCTL_AUTH when not given.",
        "Layout: <root>/document (the YAML document), <root>/registrations/<service>/<owner>_<sequence>."})
final class MeshctlCommand implements Runnable {
  final Map<String, String> env;

  @Spec
  CommandSpec spec;

  MeshctlCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (expected: validate, get, publish or endpoints)");
  }
}
