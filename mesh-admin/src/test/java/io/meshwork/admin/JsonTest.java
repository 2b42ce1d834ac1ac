package io.meshwork.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static String write(java.util.function.Consumer<Json> body) {
    Json json = new Json(new StringBuilder());
    body.accept(json);
    return json.text().toString();
  }

  @Test
  void stringsAreEscapedSoAnyReaderGetsThemBack() {
    String nasty = "quote \" backslash \\ newline \n tab \t nul \u0000 line-sep \u2028 é ∑ 😀";
    String text = write(j -> j.beginObject().key("k\"ey").value(nasty).endObject());
    assertThat(text).doesNotContain("\n").doesNotContain("\u2028").doesNotContain("\u0000");
    assertThat(Documents.parse(text)).isEqualTo(Map.of("k\"ey", nasty));
    assertThat(JsonParser.parse(text)).isEqualTo(Map.of("k\"ey", nasty));
  }

  @Test
  void unknownNumbersAreNullNeverNaN() {
    String text = write(j -> j.beginArray().value(Double.NaN).value(Double.POSITIVE_INFINITY)
        .value(1.0).value(-2.5).value(0.00004).value(0.00005).value(3L).value(true).nullValue().endArray());
    assertThat(text).isEqualTo("[null,null,1.0,-2.5,0.0,0.0001,3,true,null]");
  }

  @Test
  void doublesReadBackAsTheValueRoundedToFourDecimals() {
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < 100_000; i++) {
      double v = switch (i % 4) {
        case 0 -> random.nextDouble();
        case 1 -> random.nextDouble(-1_000, 1_000);
        case 2 -> random.nextDouble(0, 2e11);
        default -> random.nextLong(-1_000_000, 1_000_000) / 10_000.0;
      };
      String text = write(j -> j.value(v));
      assertThat(Double.parseDouble(text)).as("%s written as %s", v, text).isEqualTo(Json.round(v));
      assertThat(text).contains(".");
    }
    assertThat(write(j -> j.value(1e20))).isEqualTo("1.0E20");
  }

  @Test
  void theTreeWriterBuildsWhatTheTextSays() {
    TreeWriter tree = new TreeWriter();
    tree.beginObject().name("a").beginArray().value(1L).value(0.12345).nullValue().endArray()
        .name("b").beginObject().name("c").value("d").endObject().endObject();
    assertThat(tree.root()).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, 0.1235, null),
        "b", Map.of("c", "d")));
    assertThat(List.copyOf(tree.root().keySet())).containsExactly("a", "b");
  }
}
