// admin drives franz-go's admin client, kadm, through what an operator's tool asks: create a
// topic, list and describe topics, list a topic's start and end offsets (ListOffsets), list
// groups with their types, and describe classic groups (DescribeGroups) and KIP-848 consumer
// groups (ConsumerGroupDescribe). One JSON line per answer.
package main

import (
	"context"
	"flag"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"samsa.test/franzgo/internal/report"
)

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func list(csv string) []string {
	if csv == "" {
		return nil
	}
	return strings.Split(csv, ",")
}

func main() {
	create := flag.String("create", "", "topic to create")
	partitions := flag.Int("partitions", 1, "partitions of the created topic")
	configs := flag.String("configs", "", "comma-separated key=value configs of the created topic")
	offsetsOf := flag.String("offsets", "", "topic whose start and end offsets to list")
	classicGroups := flag.String("classic-groups", "", "comma-separated classic groups to describe")
	consumerGroups := flag.String("consumer-groups", "", "comma-separated KIP-848 groups to describe")
	flag.Parse()

	client, err := kgo.NewClient(report.ClientOpts()...)
	if err != nil {
		report.Fail("new client", err)
	}
	defer client.Close()
	admin := kadm.NewClient(client)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if *create != "" {
		topicConfigs := map[string]*string{}
		for _, pair := range list(*configs) {
			key, value, _ := strings.Cut(pair, "=")
			topicConfigs[key] = &value
		}
		created, err := admin.CreateTopic(ctx, int32(*partitions), 1, topicConfigs, *create)
		report.Emit(map[string]any{"created": created.Topic, "id": created.ID.String(), "error": errText(err)})
		topics, err := admin.ListTopics(ctx)
		if err != nil {
			report.Fail("list topics", err)
		}
		report.Emit(map[string]any{"listed": topics.Names()})
		// A topic this principal may create but not describe (ACLs) is described by its error.
		described, err := admin.ListTopics(ctx, *create)
		detail := described[*create]
		if err != nil {
			detail.Err = err
		}
		parts := []map[string]any{}
		for _, p := range detail.Partitions.Sorted() {
			parts = append(parts, map[string]any{"partition": p.Partition, "leader": p.Leader, "replicas": p.Replicas, "isr": p.ISR, "error": errText(p.Err)})
		}
		report.Emit(map[string]any{"described": *create, "id": detail.ID.String(), "partitions": parts, "error": errText(detail.Err)})
	}

	if *offsetsOf != "" {
		starts, err := admin.ListStartOffsets(ctx, *offsetsOf)
		if err != nil {
			report.Fail("list start offsets", err)
		}
		ends, err := admin.ListEndOffsets(ctx, *offsetsOf)
		if err != nil {
			report.Fail("list end offsets", err)
		}
		start, end := map[int32]int64{}, map[int32]int64{}
		starts.Each(func(o kadm.ListedOffset) { start[o.Partition] = o.Offset })
		ends.Each(func(o kadm.ListedOffset) { end[o.Partition] = o.Offset })
		report.Emit(map[string]any{"offsets": *offsetsOf, "start": start, "end": end, "error": errText(starts.Error()) + errText(ends.Error())})
	}

	if *classicGroups != "" || *consumerGroups != "" {
		listed, err := admin.ListGroups(ctx)
		if err != nil {
			report.Fail("list groups", err)
		}
		types := map[string]string{}
		for name, g := range listed {
			types[name] = g.GroupType
		}
		report.Emit(map[string]any{"groupTypes": types})
	}
	if groups := list(*classicGroups); len(groups) > 0 {
		described, err := admin.DescribeGroups(ctx, groups...)
		if err != nil {
			report.Fail("describe groups", err)
		}
		for _, g := range described.Sorted() {
			assigned := []string{}
			for _, m := range g.Members {
				if c, ok := m.Assigned.AsConsumer(); ok {
					for _, t := range c.Topics {
						for _, p := range t.Partitions {
							assigned = append(assigned, t.Topic+":"+strconv.Itoa(int(p)))
						}
					}
				}
			}
			sort.Strings(assigned)
			report.Emit(map[string]any{"classicGroup": g.Group, "state": g.State, "protocolType": g.ProtocolType, "protocol": g.Protocol, "members": len(g.Members), "assigned": assigned, "error": errText(g.Err)})
		}
	}
	if groups := list(*consumerGroups); len(groups) > 0 {
		described, err := admin.DescribeConsumerGroups(ctx, groups...)
		if err != nil {
			report.Fail("describe consumer groups", err)
		}
		for _, name := range groups {
			g := described[name]
			assigned := []string{}
			for _, m := range g.Members {
				for _, tp := range m.Assignment.Sorted() {
					for _, p := range tp.Partitions {
						assigned = append(assigned, tp.Topic+":"+strconv.Itoa(int(p)))
					}
				}
			}
			sort.Strings(assigned)
			report.Emit(map[string]any{"consumerGroup": g.Group, "state": g.State, "assignor": g.AssignorName, "epoch": g.Epoch, "members": len(g.Members), "assigned": assigned, "error": errText(g.Err)})
		}
	}
}
