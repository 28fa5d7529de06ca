package dstreams.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.scheduler.StreamingListener;
import org.apache.spark.streaming.scheduler.StreamingListenerBatchCompleted;
import scala.Tuple2;

/**
 * Word count on JVM Spark Streaming (the Java API), for `npm run bench:spark`: the same
 * protocol as bench/spark/wordcount.py, so the two Spark rows compare.
 *
 * Usage: WordCount <input dir> <master> <rounds> <batch interval ms>
 *
 * Every batch file of the input dir is read into an RDD that is cached and materialised
 * (reading the disk is not timed; dstreams' batches are in memory too). The batches are
 * queued <rounds> times through flatMap -> mapToPair -> reduceByKey, each batch's counts
 * collected on the driver in foreachRDD. The earlier rounds warm up the JIT and Spark's
 * own caches; the caller reads the last one. A StreamingListener records each batch's
 * processing delay: the time Spark spent on it, not the time it waited for its interval
 * (batches that queue behind a slow one still report only their own processing).
 * Prints one JSON line on standard output.
 */
public final class WordCount {
  private WordCount() {}

  /** Whether the first `total` batches (by time) have both their output and their delay. */
  private static boolean done(Map<Long, long[]> outputs, Map<Long, Long> delays, int total) {
    if (outputs.size() < total) return false;
    int n = 0;
    for (Long t : new TreeMap<>(outputs).keySet()) {
      if (n++ == total) break;
      if (!delays.containsKey(t)) return false;
    }
    return true;
  }

  public static void main(String[] args) throws Exception {
    String inputDir = args[0];
    String master = args[1];
    int rounds = Integer.parseInt(args[2]);
    long intervalMs = Long.parseLong(args[3]);

    File[] files = new File(inputDir).listFiles((d, name) -> name.endsWith(".txt"));
    if (files == null || files.length == 0) throw new IllegalArgumentException("no batch files (*.txt) in " + inputDir);
    Arrays.sort(files);

    SparkConf conf = new SparkConf()
        .setAppName("dstreams-bench-wordcount-jvm")
        .setMaster(master)
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        // Loopback only.
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1");
    JavaSparkContext sc = new JavaSparkContext(conf);
    sc.setLogLevel("ERROR");

    List<JavaRDD<String>> rdds = new ArrayList<>();
    for (File f : files) {
      JavaRDD<String> rdd = sc.textFile(f.getPath()).cache();
      rdd.count();
      rdds.add(rdd);
    }

    JavaStreamingContext ssc = new JavaStreamingContext(sc, Durations.milliseconds(intervalMs));
    Map<Long, Long> delays = new ConcurrentHashMap<>();
    ssc.addStreamingListener(new StreamingListener() {
      @Override
      public void onBatchCompleted(StreamingListenerBatchCompleted completed) {
        var info = completed.batchInfo();
        delays.put(info.batchTime().milliseconds(), (Long) info.processingDelay().get());
      }
    });
    // batch time -> [distinct words, total words]
    Map<Long, long[]> outputs = new ConcurrentHashMap<>();

    Queue<JavaRDD<String>> queue = new LinkedList<>();
    for (int r = 0; r < rounds; r++) queue.addAll(rdds);
    ssc.queueStream(queue, true)
        .flatMap(line -> Arrays.asList(line.split(" ")).iterator())
        .mapToPair(word -> new Tuple2<>(word, 1))
        .reduceByKey(Integer::sum)
        .foreachRDD((JavaPairRDD<String, Integer> rdd, org.apache.spark.streaming.Time time) -> {
          List<Tuple2<String, Integer>> pairs = rdd.collect();
          long words = 0;
          for (Tuple2<String, Integer> p : pairs) words += p._2();
          outputs.put(time.milliseconds(), new long[] {pairs.size(), words});
        });

    long started = System.nanoTime();
    ssc.start();
    int total = rdds.size() * rounds;
    // Once the queue is drained Spark goes on making empty batches; batches complete in
    // order (one job at a time), so the first `total` batch times are the queued RDDs.
    while (!done(outputs, delays, total)) {
      Thread.sleep(20);
      if (System.nanoTime() - started > (60L + 30L * total) * 1_000_000_000L) {
        throw new IllegalStateException("Spark did not finish " + total + " batches in time (" + delays.size() + " done)");
      }
    }
    double wall = (System.nanoTime() - started) / 1e9;
    ssc.stop(true, false);

    StringBuilder out = new StringBuilder();
    out.append("{\"spark\":\"").append(sc.version()).append("\",\"java\":\"").append(System.getProperty("java.version"))
        .append("\",\"master\":\"").append(master).append("\",\"batchFiles\":").append(files.length)
        .append(",\"rounds\":").append(rounds).append(",\"wallSeconds\":").append(wall).append(",\"batches\":[");
    TreeMap<Long, long[]> sorted = new TreeMap<>(outputs);
    boolean first = true;
    int n = 0;
    for (Map.Entry<Long, long[]> e : sorted.entrySet()) {
      if (n++ == total) break;
      if (!first) out.append(',');
      first = false;
      out.append("{\"distinct\":").append(e.getValue()[0]).append(",\"words\":").append(e.getValue()[1])
          .append(",\"processingMs\":").append(delays.get(e.getKey())).append('}');
    }
    out.append("]}");
    System.out.println(out);
  }
}
