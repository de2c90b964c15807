import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'

const load = (...set: string[]): BrokerConfig => BrokerConfig.load({ set })

describe('listener settings', () => {
  it("gives each listener its security protocol from Kafka's default map", () => {
    const config = load('listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093,SASL_SSL://127.0.0.1:9094,sasl_plaintext://:9095')
    expect(config.listeners().map((l) => `${l.name} ${l.securityProtocol} ${l.port}`)).toEqual([
      'PLAINTEXT PLAINTEXT 9092',
      'SSL SSL 9093',
      'SASL_SSL SASL_SSL 9094',
      'SASL_PLAINTEXT SASL_PLAINTEXT 9095',
    ])
  })

  it('maps custom listener names through listener.security.protocol.map', () => {
    const config = load(
      'listeners=CLIENTS://0.0.0.0:9092,INTERNAL://10.0.0.5:9093',
      'listener.security.protocol.map=CLIENTS:SASL_SSL,INTERNAL:SSL',
      'advertised.listeners=CLIENTS://kafka.example.com:9092,INTERNAL://10.0.0.5:9093',
      'inter.broker.listener.name=INTERNAL',
    )
    expect(config.listeners().map((l) => l.securityProtocol)).toEqual(['SASL_SSL', 'SSL'])
    expect(config.advertisedListeners().map((l) => `${l.name}@${l.host}`)).toEqual(['CLIENTS@kafka.example.com', 'INTERNAL@10.0.0.5'])
    expect(config.interBrokerListenerName()).toBe('INTERNAL')
  })

  it('picks the inter-broker listener by protocol with security.inter.broker.protocol', () => {
    const config = load('listeners=PLAINTEXT://:9092,SSL://:9093', 'security.inter.broker.protocol=SSL')
    expect(config.interBrokerListenerName()).toBe('SSL')
    expect(load('listeners=PLAINTEXT://:9092,SSL://:9093').interBrokerListenerName()).toBe('PLAINTEXT')
  })

  it('refuses listener settings Kafka refuses, naming the setting', () => {
    expect(() => load('listeners=CLIENTS://:9092')).toThrowError(/listener CLIENTS has no security protocol in listener\.security\.protocol\.map/)
    expect(() => load('listeners=PLAINTEXT://:9092,PLAINTEXT://:9093')).toThrowError(/listeners names listener PLAINTEXT twice/)
    expect(() => load('listeners=PLAINTEXT://:9092,SSL://:9092')).toThrowError(/PLAINTEXT and SSL both use port 9092/)
    expect(() => load('listener.security.protocol.map=PLAINTEXT:TLS')).toThrowError(/Invalid security protocol 'TLS'.*listener\.security\.protocol\.map/)
    expect(() => load('listeners=PLAINTEXT://:9092', 'advertised.listeners=SSL://h:9093')).toThrowError(/advertised\.listeners: SSL is not a listener/)
    expect(() => load('advertised.listeners=PLAINTEXT://0.0.0.0:9092')).toThrowError(/advertised\.listeners: PLAINTEXT advertises 0\.0\.0\.0/)
    expect(() => load('inter.broker.listener.name=PLAINTEXT', 'security.inter.broker.protocol=PLAINTEXT')).toThrowError(/Only one of inter\.broker\.listener\.name and security\.inter\.broker\.protocol/)
    expect(() => load('inter.broker.listener.name=INTERNAL')).toThrowError(/inter\.broker\.listener\.name: the inter-broker listener INTERNAL is not among the advertised listeners/)
    expect(() => load('security.inter.broker.protocol=TLS')).toThrowError(/security\.inter\.broker\.protocol.*PLAINTEXT, SSL/)
  })

  it('requires the inter-broker listener in a cluster, where followers use it', () => {
    // A single broker has no inter-broker traffic: an SSL-only broker needs no extra setting.
    expect(load('listeners=SSL://:9093').interBrokerListenerName()).toBe('SSL')
    expect(() => load('listeners=SSL://:9093', 'etcd.endpoints=http://127.0.0.1:2379')).toThrowError(/inter-broker listener PLAINTEXT is not among the advertised listeners/)
  })

  it('lets --port set the PLAINTEXT listener and leaves the others alone', () => {
    const config = BrokerConfig.load({ set: ['listeners=SSL://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9092'], port: '0' })
    expect(config.listeners().map((l) => `${l.name}:${l.port}`)).toEqual(['SSL:9093', 'PLAINTEXT:0'])
    const sslOnly = BrokerConfig.load({ set: ['listeners=SSL://127.0.0.1:9093'], port: '0' })
    expect(sslOnly.listeners().map((l) => `${l.name}:${l.port}`)).toEqual(['SSL:9093'])
    expect(sslOnly.warnings.join('\n')).toMatch(/--port\/--host set the PLAINTEXT listener/)
  })
})
