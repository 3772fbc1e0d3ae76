import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UplotChartProps {
  /** uPlot options without the size; a new object recreates the plot (e.g. when the lines change). */
  readonly options: Omit<uPlot.Options, 'width' | 'height'>;
  /** New data is drawn with `setData`, keeping the plot. */
  readonly data: uPlot.AlignedData;
  readonly height: number;
  readonly label?: string;
}

/** The one uPlot wrapper: created on mount, `setData` on new data, `setSize` from a ResizeObserver, destroyed on unmount. */
export function UplotChart({ options, data, height, label }: UplotChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const drawnDataRef = useRef<uPlot.AlignedData | null>(null);
  const latestDataRef = useRef(data);
  latestDataRef.current = data;

  useLayoutEffect(() => {
    const host = hostRef.current!;
    const width = Math.max(host.clientWidth, 100);
    const plot = new uPlot({ ...options, width, height }, latestDataRef.current, host);
    plotRef.current = plot;
    drawnDataRef.current = latestDataRef.current;

    const resizeObserver = new ResizeObserver((entries) => {
      const nextWidth = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (nextWidth > 0 && nextWidth !== plot.width) plot.setSize({ width: nextWidth, height });
    });
    resizeObserver.observe(host);
    return () => {
      resizeObserver.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    const plot = plotRef.current;
    if (plot === null || drawnDataRef.current === data) return;
    plot.setData(data);
    drawnDataRef.current = data;
  }, [data]);

  return <div ref={hostRef} class="uplot-host" role="img" aria-label={label} />;
}
