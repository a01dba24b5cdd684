export { RsyslogAggregator, RsyslogAggregatorArgs, rsyslogAggregatorPackages } from "./aggregator";
export * from "./settings";
export * as loggingRender from "./render";
export * as loggingScripts from "./ops";
