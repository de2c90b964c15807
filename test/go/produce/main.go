// produce sends -count records to -topic with franz-go's default producer (idempotent, acks=all;
// allowed to have the broker create the topic, which franz-go does not ask for by default) and prints one line per record: where it was acknowledged, or the error the application got
// and how long after the send it came (a refused record should fail at once, not after retries).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"samsa.test/franzgo/internal/report"
)

// padding is n random letters: franz-go compresses batches by default, and a size limit is
// checked against the compressed batch, so a padded record must not shrink.
func padding(n int) []byte {
	letters := make([]byte, max(0, n))
	for i := range letters {
		letters[i] = byte('a' + rand.IntN(26))
	}
	return letters
}

func main() {
	topic := flag.String("topic", "", "topic to produce to")
	count := flag.Int("count", 1, "records to send")
	prefix := flag.String("prefix", "v", "values are <prefix>-<i>")
	valueBytes := flag.Int("value-bytes", 0, "pad each value to this many bytes")
	noKey := flag.Bool("no-key", false, "send records without a key")
	deliveryTimeout := flag.Duration("delivery-timeout", 60*time.Second, "how long franz-go may retry a record")
	flag.Parse()

	opts := append(report.ClientOpts(), kgo.DefaultProduceTopic(*topic), kgo.AllowAutoTopicCreation(), kgo.RecordDeliveryTimeout(*deliveryTimeout),
		kgo.ProducerBatchMaxBytes(16<<20), kgo.MaxBufferedBytes(64<<20))
	client, err := kgo.NewClient(opts...)
	if err != nil {
		report.Fail("new client", err)
	}
	defer client.Close()

	ctx := context.Background()
	for i := 0; i < *count; i++ {
		value := fmt.Sprintf("%s-%d", *prefix, i)
		record := &kgo.Record{Value: append([]byte(value), padding(*valueBytes-len(value))...)}
		if !*noKey {
			record.Key = []byte(value)
		}
		sent := time.Now()
		client.Produce(ctx, record, func(r *kgo.Record, err error) {
			if err != nil {
				line := report.Error(err)
				line["value"] = value
				line["elapsedMs"] = time.Since(sent).Milliseconds()
				report.Emit(line)
				return
			}
			report.Emit(map[string]any{"acked": value, "partition": r.Partition, "offset": r.Offset})
		})
	}
	if err := client.Flush(ctx); err != nil {
		report.Fail("flush", err)
	}
	report.Emit(map[string]any{"done": true})
}
