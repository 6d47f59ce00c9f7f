using System;
using BertGen.Runtime.Memory;
using Xunit;

namespace BertGen.Runtime.Tests;

/// <summary>Handing pages back to the OS touches nothing outside the whole pages of the range.</summary>
public sealed unsafe class ResidentPagesTests
{
    [Fact]
    public void ReleaseClearsOnlyTheWholePagesInsideTheRange()
    {
        int page = Environment.SystemPageSize;
        using var buffer = new AlignedBuffer(16 * page / sizeof(float));
        Span<float> values = buffer.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i + 1;
        }

        // A range that starts and ends mid-page, as a tensor inside a parameter buffer does.
        byte* start = (byte*)buffer.Pointer + page + 100;
        long length = (5 * page) + 200;
        long released = ResidentPages.Release(start, length);

        nuint firstWhole = ((nuint)start + (nuint)page - 1) & ~(nuint)(page - 1);
        nuint endWhole = ((nuint)start + (nuint)length) & ~(nuint)(page - 1);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal((long)(endWhole - firstWhole), released);
        }

        for (int i = 0; i < values.Length; i++)
        {
            nuint address = (nuint)(buffer.Pointer + i);
            bool inWholePage = address >= firstWhole && address < endWhole;
            if (!inWholePage)
            {
                Assert.Equal(i + 1, values[i]);
            }
            else if (released > 0)
            {
                // Released anonymous memory reads as fresh zero pages.
                Assert.Equal(0f, values[i]);
            }
        }
    }

    [Fact]
    public void ARangeWithoutAWholePageReleasesNothing()
    {
        int page = Environment.SystemPageSize;
        using var buffer = new AlignedBuffer(4 * page / sizeof(float));
        buffer.AsSpan().Fill(3f);

        Assert.Equal(0, ResidentPages.Release((byte*)buffer.Pointer + 64, page - 128));
        Assert.Equal(0, ResidentPages.Release(buffer.Pointer, 0));
        Assert.All(buffer.AsSpan().ToArray(), v => Assert.Equal(3f, v));
    }
}
