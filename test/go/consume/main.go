// consume reads -topics and prints one line per record. With -group it is a group member
// (classic protocol, or KIP-848 with -protocol consumer) that commits what it has printed after
// every poll, before a rebalance may take its partitions (so the next owner starts right after
// it); without, it reads every partition from the start on its own. It stops after -max records,
// on SIGTERM, at -deadline, or with -stop-on-error at the first error a poll returns, then
// commits, leaves its group and prints a "done" line.
package main

import (
	"context"
	"errors"
	"flag"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"samsa.test/franzgo/internal/report"
)

// commit commits what has been printed, on a context of its own: a SIGTERM that ends the poll
// loop must not cut short the commit of records already handed to the application.
func commit(client *kgo.Client, group string) {
	if group == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := client.CommitUncommittedOffsets(ctx); err != nil {
		report.Emit(map[string]any{"commitError": err.Error()})
	}
}

func main() {
	topics := flag.String("topics", "", "comma-separated topics")
	group := flag.String("group", "", "consumer group (empty: no group, every partition from the start)")
	protocol := flag.String("protocol", "classic", "group protocol: classic, or consumer (KIP-848)")
	balancer := flag.String("balancer", "sticky", "with -protocol consumer: sticky (the server's uniform assignor) or range")
	maxRecords := flag.Int("max", 0, "stop after this many records (0: no limit)")
	stopOnError := flag.Bool("stop-on-error", false, "stop at the first error a poll returns")
	readCommitted := flag.Bool("read-committed", false, "isolation.level=read_committed")
	deadline := flag.Duration("deadline", 120*time.Second, "give up after this long")
	flag.Parse()

	opts := append(report.ClientOpts(), kgo.ConsumeTopics(strings.Split(*topics, ",")...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if *readCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if *group != "" {
		opts = append(opts, kgo.ConsumerGroup(*group), kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
			kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
				report.Emit(map[string]any{"assigned": assigned})
			}),
			kgo.OnPartitionsRevoked(func(ctx context.Context, client *kgo.Client, revoked map[string][]int32) {
				report.Emit(map[string]any{"revoked": revoked})
			}))
		if *protocol == "consumer" {
			// franz-go speaks KIP-848 only when asked and only with a balancer the broker can stand in
			// for: the sticky balancer asks for the server's "uniform" assignor, range for "range".
			chosen := kgo.StickyBalancer()
			if *balancer == "range" {
				chosen = kgo.RangeBalancer()
			}
			opts = append(opts, kgo.ServerSideBalancer(), kgo.Balancers(chosen))
		}
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		report.Fail("new client", err)
	}

	ctx, cancel := report.UntilStopped(*deadline)
	defer cancel()

	consumed := 0
	var fetchErrors []string
	for ctx.Err() == nil && (*maxRecords == 0 || consumed < *maxRecords) && !(*stopOnError && len(fetchErrors) > 0) {
		limit := -1
		if *maxRecords > 0 {
			limit = *maxRecords - consumed
		}
		fetches := client.PollRecords(ctx, limit)
		fetches.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return
			}
			line := report.Error(err)
			line["fetchError"], line["topic"], line["partition"] = true, topic, partition
			report.Emit(line)
			fetchErrors = append(fetchErrors, err.Error())
		})
		fetches.EachRecord(func(r *kgo.Record) {
			consumed++
			report.Emit(map[string]any{"record": string(r.Value), "topic": r.Topic, "partition": r.Partition, "offset": r.Offset})
		})
		commit(client, *group)
		client.AllowRebalance()
	}

	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	commit(client, *group)
	client.Close()
	report.Emit(map[string]any{"done": true, "consumed": consumed, "timedOut": timedOut, "fetchErrors": len(fetchErrors)})
}
