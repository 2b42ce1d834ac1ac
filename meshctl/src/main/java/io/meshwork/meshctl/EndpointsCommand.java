package io.meshwork.meshctl;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InvalidDocumentException;
import io.meshwork.core.registry.MeshDocumentParser;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl endpoints SERVICE}: the document's endpoints and the live registrations. */
@Command(name = "endpoints", mixinStandardHelpOptions = true,
    description = {"Lists a service's endpoints: the document's, then live registrations.",
        "The document's come first, then the live registrations",
        "(<root>/registrations/<service>/<owner>_<sequence>), merged as the registry merges them,",
        "with address, zone, weight, ports, labels and owner (the registering process, pid@host)."},
    exitCodeOnInvalidInput = Meshctl.EXIT_INVALID, exitCodeOnExecutionException = Meshctl.EXIT_INVALID,
    exitCodeListHeading = ExitCodes.HEADING,
    exitCodeList = {ExitCodes.OK, ExitCodes.INVALID, ExitCodes.ZOOKEEPER})
final class EndpointsCommand extends BaseCommand {
  @Parameters(paramLabel = "SERVICE", description = "the service, e.g. greeter")
  String service;

  @Mixin
  ZkOptions zk;

  @Option(names = "--json", description = "Print JSON, for scripts.")
  boolean json;

  /** One line of the listing. {@code owner} is null for a document endpoint no process registered. */
  record Row(String source, Endpoint endpoint, String owner) {}

  @Override
  public Integer call() {
    ZkTarget target = zk.target(env());
    String auth = zk.auth(env());
    List<Row> rows;
    try (ZkSession session = ZkSession.open(target, auth, zk.timeout)) {
      MeshDocument document = readDocument(session, target);
      String regPath = target.registrationsPath(service);
      boolean inDocument = document.services().containsKey(service);
      if (!inDocument && !session.exists(regPath)) {
        TreeSet<String> known = new TreeSet<>(document.services().keySet());
        known.addAll(session.children(target.registrationsPath()));
        Optional<String> close = DidYouMean.closest(service, known);
        throw Failure.invalid("unknown service '" + service + "' in " + target.root()
            + close.map(c -> " (did you mean '" + c + "'?)").orElse(
                known.isEmpty() ? " (no services yet)" : " (known: " + String.join(", ", known) + ")"));
      }
      ServiceConfig config = inDocument ? document.service(service) : ServiceConfig.unknown(service);
      rows = rows(config, registrations(session, regPath));
    }
    if (json) {
      printJson(rows);
    } else {
      printTable(rows);
    }
    return Meshctl.EXIT_OK;
  }

  private MeshDocument readDocument(ZkSession session, ZkTarget target) {
    String path = target.documentPath();
    Optional<ZkSession.Versioned> doc = session.read(path);
    if (doc.isEmpty()) return MeshDocument.EMPTY;
    try {
      return MeshDocumentParser.parse(new DocumentSource(path, doc.get().text()));
    } catch (InvalidDocumentException e) {
      err().println("meshctl: note: the document at " + path + " is invalid (" + Meshctl.count(e.problems().size(), "problem")
          + ", first: " + e.problems().get(0) + "); showing registrations only");
      return MeshDocument.EMPTY;
    }
  }

  /** The live registrations, in registration (sequence) order, malformed ones reported and left out. */
  private List<Registered> registrations(ZkSession session, String regPath) {
    List<String> names = new ArrayList<>(session.children(regPath));
    names.sort(Comparator.comparing(EndpointsCommand::sequence).thenComparing(Comparator.naturalOrder()));
    List<Registered> out = new ArrayList<>();
    for (String name : names) {
      String path = ZkTarget.child(regPath, name);
      Optional<ZkSession.Versioned> data = session.read(path);
      if (data.isEmpty()) continue; // its process went away meanwhile
      try {
        out.add(new Registered(owner(name), MeshDocumentParser.parseEndpoint(new DocumentSource(path, data.get().text()))));
      } catch (InvalidDocumentException e) {
        err().println("meshctl: note: ignoring malformed registration " + e.problems().get(0));
      }
    }
    return out;
  }

  /** The registering process: the znode name before the last {@code _} (the sequence follows it). */
  static String owner(String znodeName) {
    int sep = znodeName.lastIndexOf('_');
    return sep > 0 ? znodeName.substring(0, sep) : znodeName;
  }

  private static String sequence(String znodeName) {
    int sep = znodeName.lastIndexOf('_');
    return sep >= 0 ? znodeName.substring(sep + 1) : "";
  }

  private record Registered(String owner, Endpoint endpoint) {}

  /**
   * The document's endpoints, then the registered ones as the registry merges them: named-port
   * registrations of one owner and host become one endpoint (while their port names do not
   * clash), and an address the document lists already is not listed again (its row names the
   * owner instead).
   */
  static List<Row> rows(ServiceConfig config, List<Registered> registered) {
    List<Row> merged = new ArrayList<>();
    Map<List<String>, List<Integer>> slotsByOwnerAndHost = new HashMap<>();
    for (Registered r : registered) {
      Endpoint e = r.endpoint();
      if (!e.ports().isEmpty()) {
        List<Integer> slots = slotsByOwnerAndHost.computeIfAbsent(List.of(r.owner(), e.address().host()), k -> new ArrayList<>());
        boolean joined = false;
        for (int slot : slots) {
          Endpoint into = merged.get(slot).endpoint();
          if (Collections.disjoint(into.ports().keySet(), e.ports().keySet())) {
            merged.set(slot, new Row("registered", join(into, e), r.owner()));
            joined = true;
            break;
          }
        }
        if (joined) continue;
        slots.add(merged.size());
      }
      merged.add(new Row("registered", e, r.owner()));
    }
    Map<Address, Integer> byAddress = new LinkedHashMap<>();
    List<Row> rows = new ArrayList<>();
    for (Endpoint e : config.endpoints()) {
      byAddress.put(e.address(), rows.size());
      rows.add(new Row("document", e, null));
    }
    for (Row r : merged) {
      Endpoint e = r.endpoint().withPrimaryFor(config.protocol());
      Integer at = byAddress.get(e.address());
      if (at == null) {
        byAddress.put(e.address(), rows.size());
        rows.add(new Row("registered", e, r.owner()));
      } else if (rows.get(at).owner() == null) {
        rows.set(at, new Row(rows.get(at).source(), rows.get(at).endpoint(), r.owner()));
      }
    }
    return rows;
  }

  private static Endpoint join(Endpoint into, Endpoint e) {
    Map<String, Integer> ports = new LinkedHashMap<>(into.ports());
    ports.putAll(e.ports());
    Map<String, String> labels = new LinkedHashMap<>(e.labels());
    labels.putAll(into.labels());
    return new Endpoint(into.address(), into.zone().isEmpty() ? e.zone() : into.zone(), into.weight(), labels, ports);
  }

  private void printTable(List<Row> rows) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"SOURCE", "ADDRESS", "ZONE", "WEIGHT", "PORTS", "LABELS", "OWNER"});
    for (Row r : rows) {
      Endpoint e = r.endpoint();
      lines.add(new String[] {r.source(), e.address().toString(), dash(e.zone()), String.valueOf(e.weight()),
          dash(join(e.ports())), dash(join(new TreeMap<>(e.labels()))), r.owner() == null ? "-" : r.owner()});
    }
    int[] widths = new int[7];
    for (String[] l : lines) {
      for (int i = 0; i < l.length; i++) widths[i] = Math.max(widths[i], l[i].length());
    }
    PrintWriter out = out();
    for (String[] l : lines) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < l.length; i++) {
        b.append(l[i]);
        if (i < l.length - 1) b.append(" ".repeat(widths[i] - l[i].length() + 2));
      }
      out.println(b.toString().stripTrailing());
    }
    if (rows.isEmpty()) out.println("(no endpoints: calls to " + service + " fail with no-endpoints)");
  }

  private void printJson(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("{\"service\":").append(Json.string(service)).append(",\"endpoints\":[");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      Endpoint e = r.endpoint();
      if (i > 0) b.append(',');
      b.append("{\"source\":").append(Json.string(r.source()))
          .append(",\"address\":").append(Json.string(e.address().toString()))
          .append(",\"zone\":").append(Json.string(e.zone()))
          .append(",\"weight\":").append(e.weight())
          .append(",\"ports\":").append(Json.object(e.ports()))
          .append(",\"labels\":").append(Json.object(new TreeMap<>(e.labels())))
          .append(",\"owner\":").append(r.owner() == null ? "null" : Json.string(r.owner()))
          .append('}');
    }
    out().println(b.append("]}"));
  }

  private static String join(Map<String, ?> m) {
    return m.entrySet().stream().map(en -> en.getKey() + "=" + en.getValue()).collect(Collectors.joining(","));
  }

  private static String dash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
