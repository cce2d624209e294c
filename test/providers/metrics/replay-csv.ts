/* A series with every kind of row, shared by the series and the provider tests. */
export const CSV = `# a comment line
time,metric,value,numerator,denominator,status,message
+0m,error_rate,,1,100,,
+0m,sent,100,,,,
+5m,error_rate,,3,100,,
+5m,sent,120,,,,
+10m,error_rate,,,,error,Datadog 503
+15m,error_rate,,,,no-data,
+20m,error_rate,,0,0,,
`;
