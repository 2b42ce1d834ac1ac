package io.meshwork.meshctl;

import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.registry.DocumentSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code meshctl validate PATH}: the registry's own checks, offline. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {"Checks a mesh document offline, with the registry's own checks.",
        "PATH is a file, or a folder whose *.yaml and *.yml files are merged as the file registry merges them.",
        "Each problem is printed as file:line:column: field: message."},
    exitCodeOnInvalidInput = Meshctl.EXIT_INVALID, exitCodeOnExecutionException = Meshctl.EXIT_INVALID,
    exitCodeListHeading = ExitCodes.HEADING, exitCodeList = {ExitCodes.OK, ExitCodes.INVALID})
final class ValidateCommand extends BaseCommand {
  @Parameters(paramLabel = "PATH", description = "mesh.yaml, or a folder of YAML files")
  Path path;

  @Override
  public Integer call() {
    List<DocumentSource> sources = Documents.read(path);
    MeshDocument document = Documents.parse(sources, err(), path.toString());
    int n = document.services().size();
    out().println(path + ": ok, " + n + (n == 1 ? " service" : " services")
        + (n == 0 ? "" : " (" + String.join(", ", document.services().keySet()) + ")")
        + (Files.isDirectory(path) ? " from " + sources.size() + (sources.size() == 1 ? " file" : " files") : ""));
    if (sources.isEmpty()) {
      err().println("meshctl: note: " + path + " holds no *.yaml or *.yml file (an empty mesh)");
    }
    return Meshctl.EXIT_OK;
  }
}
