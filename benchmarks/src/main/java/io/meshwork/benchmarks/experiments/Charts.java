package io.meshwork.benchmarks.experiments;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The experiments' charts (XChart), written as PNG. Runs headless. */
final class Charts {
  static final int WIDTH = 900;
  static final int HEIGHT = 560;

  private Charts() {}

  /**
   * Latency by percentile, one line per histogram (values in microseconds), on logarithmic axes:
   * x is {@code log10(1 / (1 - percentile))}, labelled 90%, 99%, 99.9%..., so the tail gets the
   * room it deserves (HdrHistogram's percentile plot). The line ends at the maximum, drawn at the
   * last percentile the sample size resolves. A dashed line marks {@code deadlineMs}.
   *
   * <p>The x transform is done here rather than by XChart's logarithmic axis, which falls back to
   * linear ticks when tick labels are formatted.
   */
  static XYChart percentiles(String title, Map<String, Histogram> byName, double deadlineMs) {
    XYChart chart = base(title, "percentile (log scale of 1 / (1 - p))", "latency from intended send time (ms)");
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setxAxisTickLabelsFormattingFunction(Charts::percentileLabel);
    chart.getStyler().setYAxisDecimalPattern("#,##0.#");
    double maxX = 1;
    double minY = Double.MAX_VALUE;
    for (Map.Entry<String, Histogram> e : byName.entrySet()) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      Histogram h = e.getValue();
      double limit = Math.log10(Math.max(10, h.getTotalCount()));
      for (HistogramIterationValue v : h.percentiles(5)) {
        double p = v.getPercentileLevelIteratedTo();
        if (p >= 100) break;
        double x = Math.log10(1 / (1 - p / 100));
        if (x > limit) break;
        xs.add(x);
        ys.add(Math.max(0.01, v.getValueIteratedTo() / 1000.0));
      }
      xs.add(limit);
      ys.add(h.getMaxValue() / 1000.0);
      maxX = Math.max(maxX, limit);
      minY = Math.min(minY, h.getMinValue() / 1000.0);
      XYSeries s = chart.addSeries(e.getKey(), xs, ys);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineWidth(2.5f);
    }
    chart.getStyler().setXAxisMin(0.0).setXAxisMax(Math.ceil(maxX));
    chart.getStyler().setYAxisMin(Math.max(0.01, Math.pow(10, Math.floor(Math.log10(Math.max(0.01, minY))))));
    chart.getStyler().setYAxisMax(deadlineMs * 3);
    chart.addAnnotation(new AnnotationLine(deadlineMs, false, false));
    chart.addAnnotation(new AnnotationText("deadline " + (int) deadlineMs + " ms", Math.ceil(maxX) - 0.4, deadlineMs * 1.3, false));
    return chart;
  }

  /** {@code log10(1 / (1 - p))} as the percentile p at whole decades: 1 is "90%", 3 is "99.9%"; "" elsewhere. */
  static String percentileLabel(double x) {
    double rounded = Math.rint(x);
    if (Math.abs(x - rounded) > 1e-6) return "";
    if (rounded == 0) return "0%";
    double p = 100 * (1 - Math.pow(10, -rounded));
    BigDecimal d = new BigDecimal(p).setScale((int) rounded, java.math.RoundingMode.HALF_UP).stripTrailingZeros();
    return d.toPlainString() + "%";
  }

  /**
   * One line per series over time (seconds), with dashed vertical lines at {@code marks} (seconds)
   * labelled {@code markLabels}.
   */
  static XYChart overTime(String title, String yTitle, double[] seconds, Map<String, double[]> series,
      double[] marks, String[] markLabels, double labelY) {
    XYChart chart = base(title, "time (s)", yTitle);
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      XYSeries s = chart.addSeries(e.getKey(), seconds, e.getValue());
      s.setMarker(SeriesMarkers.NONE);
      s.setLineWidth(2.5f);
    }
    for (int i = 0; i < marks.length; i++) {
      chart.addAnnotation(new AnnotationLine(marks[i], true, false));
      chart.addAnnotation(new AnnotationText(markLabels[i], marks[i] + 0.2, labelY, false));
    }
    return chart;
  }

  private static XYChart base(String title, String xTitle, String yTitle) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    XYStyler s = chart.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotGridLinesColor(new Color(225, 225, 225));
    s.setLegendPosition(Styler.LegendPosition.InsideNW);
    s.setAnnotationLineColor(Color.DARK_GRAY);
    s.setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    s.setAnnotationTextFontColor(Color.DARK_GRAY);
    s.setToolTipsEnabled(false);
    return chart;
  }

  /** Writes {@code charts} as one PNG, in {@code rows} rows. */
  static void png(List<XYChart> charts, int rows, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    int cols = (charts.size() + rows - 1) / rows;
    String name = file.toString();
    if (name.endsWith(".png")) name = name.substring(0, name.length() - 4);
    BitmapEncoder.saveBitmap(charts, rows, cols, name, BitmapEncoder.BitmapFormat.PNG);
  }
}
