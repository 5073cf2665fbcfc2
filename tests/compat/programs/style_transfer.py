"""An image-transformation network in the style of fast neural style transfer: reflection padding,
instance normalization, residual blocks and nearest-neighbour upsampling, trained to restyle digits."""

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch.optim import Adam
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

small = load_digits().images / 16.0
content = np.kron(small, np.ones((2, 2)))[:, None].astype(np.float32)  # 16x16
# The "style": inverted ink with soft edges (a 3x3 box blur of the inverse).
padded = np.pad(1.0 - content, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
styled = sum(padded[:, :, i : i + 16, j : j + 16] for i in range(3) for j in range(3)) / 9.0
x_all, y_all = torch.from_numpy(content), torch.from_numpy(styled.astype(np.float32))
train_loader = DataLoader(TensorDataset(x_all[:800], y_all[:800]), batch_size=32, shuffle=True)
test_x, test_y = x_all[1400:].to(device), y_all[1400:].to(device)


class ConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__()
        reflection_padding = kernel_size // 2
        self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        residual = x
        out = self.relu(self.in1(self.conv1(x)))
        out = self.in2(self.conv2(out))
        return out + residual


class UpsampleConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = torch.nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        if self.upsample:
            x = torch.nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = ConvLayer(1, 8, kernel_size=5, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(8, affine=True)
        self.conv2 = ConvLayer(8, 16, kernel_size=3, stride=2)
        self.in2 = torch.nn.InstanceNorm2d(16, affine=True)
        self.res1 = ResidualBlock(16)
        self.res2 = ResidualBlock(16)
        self.deconv1 = UpsampleConvLayer(16, 8, kernel_size=3, stride=1, upsample=2)
        self.in3 = torch.nn.InstanceNorm2d(8, affine=True)
        self.deconv2 = ConvLayer(8, 1, kernel_size=5, stride=1)
        self.relu = torch.nn.ReLU()

    def forward(self, X):
        y = self.relu(self.in1(self.conv1(X)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.res2(self.res1(y))
        y = self.relu(self.in3(self.deconv1(y)))
        return self.deconv2(y)


transformer = TransformerNet().to(device)
optimizer = Adam(transformer.parameters(), lr=3e-3)
mse_loss = torch.nn.MSELoss()

for epoch in range(4):
    transformer.train()
    agg = 0.0
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = mse_loss(transformer(x), y)
        loss.backward()
        optimizer.step()
        agg += loss.item()
    transformer.eval()
    with torch.no_grad():
        test_loss = mse_loss(transformer(test_x), test_y).item()
    print(f"epoch {epoch + 1}: train loss {agg / len(train_loader):.5f}, test loss {test_loss:.5f}")

print(f"METRIC test_loss {test_loss:.6f}")
